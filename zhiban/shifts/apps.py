from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "zhiban.shifts"
    label = "shifts"
    verbose_name = "值班"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.org.caching import watch_activity
        from zhiban.shifts import models as m

        track(m.Equipment, m.Shift, m.CheckIn, m.Leave, m.Handover, m.LogEntry, m.WallDisplay)
        watch_activity(
            {
                m.Equipment: "unit_id",
                m.Shift: "unit_id",
                m.CheckIn: "shift.unit_id",
                m.Leave: "shift.unit_id",
                m.LogEntry: "shift.unit_id",
                m.Handover: "shift.unit_id",
                m.EquipmentCheck: "handover.shift.unit_id",
                m.HandoverItem: "handover.shift.unit_id",
            }
        )
