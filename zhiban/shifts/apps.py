from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "zhiban.shifts"
    label = "shifts"
    verbose_name = "值班"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.shifts import models as m

        track(m.Equipment, m.Shift, m.CheckIn, m.Leave, m.Handover, m.LogEntry)
