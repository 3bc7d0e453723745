from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "zhiban.roster"
    label = "roster"
    verbose_name = "排班"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.roster import models as m

        track(m.ShiftType, m.Holiday, m.SensitivePeriod, m.Exemption, m.Roster, m.Assignment, m.Swap)
