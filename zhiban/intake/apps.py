from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "zhiban.intake"
    label = "intake"
    verbose_name = "来电来访"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.intake import models as m
        from zhiban.org.caching import watch_activity

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
