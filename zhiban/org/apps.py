from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "zhiban.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.org import models as m

        track(m.Unit, m.User, m.Person, m.RoleAssignment, m.Contact, m.ContactNumber, m.DutyLine,
              m.DutyNumberFiling, m.DutyPolicy, m.TrainingRecord, m.ApiToken)
