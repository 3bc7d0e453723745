from django.apps import AppConfig


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
