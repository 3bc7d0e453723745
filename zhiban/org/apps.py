from django.apps import AppConfig
from django.core.signals import request_started
from django.db.models.signals import post_delete, post_save


class OrgConfig(AppConfig):
    name = "zhiban.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.org import factors, security  # noqa: F401  (their login receivers: session mark, second factor)
        from zhiban.org import models as m
        from zhiban.org.caching import forget_request_generation

        track(
            m.Unit,
            m.User,
            m.Person,
            m.RoleAssignment,
            m.Contact,
            m.ContactNumber,
            m.DutyLine,
            m.DutyNumberFiling,
            m.DutyPolicy,
            m.TrainingRecord,
            m.ApiToken,
            m.SecurityPolicy,
        )

        # A request trusts only the generation it read itself (caching.GenerationCache).
        request_started.connect(forget_request_generation, dispatch_uid="generation-per-request")
        # Scopes and cached fragments depend on these; every write raises the data generation.
        for model in (m.Unit, m.Person, m.RoleAssignment, m.Contact, m.ContactNumber):
            post_save.connect(_bump, sender=model, dispatch_uid=f"generation-{model.__name__}-save")
            post_delete.connect(_bump, sender=model, dispatch_uid=f"generation-{model.__name__}-delete")


def _bump(sender, **kwargs) -> None:
    from zhiban.org.caching import bump_data_generation

    bump_data_generation()
