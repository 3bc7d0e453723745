from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "zhiban.supervision"
    label = "supervision"
    verbose_name = "督查"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.supervision import ledger
        from zhiban.supervision import models as m

        track(
            m.SpotCheck,
            m.RollCall,
            m.RollCallTarget,
            m.RollCallSchedule,
            m.Inspection,
            m.InspectionItem,
            m.Circular,
            m.CircularProblem,
            m.Rectification,
            m.LedgerEntry,
            m.Appeal,
            m.Commendation,
            m.ReportMark,
        )
        ledger.connect()
