from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class IntakeConfig(AppConfig):
    name = "zhiban.intake"
    label = "intake"
    verbose_name = "来电来访"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.intake import models as m

        track(
            m.Call,
            m.PhoneNotice,
            m.Visit,
            m.Document,
            m.Collection,
            m.Matter,
            m.Instruction,
            m.InstructionTarget,
        )
        watch_activity(
            {
                m.Call: "unit_id",
                m.PhoneNotice: "unit_id",
                m.Visit: "unit_id",
                m.Document: "unit_id",
                m.Matter: "unit_id",
                m.Instruction: "unit_id",
                m.Collection: "document.unit_id",
                m.MatterStep: "matter.unit_id",
                m.InstructionTarget: "instruction.unit_id",
            }
        )


def watch_activity(unit_of: dict) -> None:
    """Every save or delete of these models raises its unit's activity value (org.UnitActivity), in the
    same transaction; `unit_of` says where each model's unit id is ("shift.unit_id")."""

    def bump(sender, instance, **kwargs) -> None:
        from zhiban.org.access import bump_unit_activity

        value = instance
        for part in unit_of[sender].split("."):
            value = getattr(value, part, None)
        bump_unit_activity(value)

    for model in unit_of:
        post_save.connect(bump, sender=model, dispatch_uid=f"activity-{model.__name__}-save", weak=False)
        post_delete.connect(bump, sender=model, dispatch_uid=f"activity-{model.__name__}-delete", weak=False)
