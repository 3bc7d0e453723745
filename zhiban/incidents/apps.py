from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "zhiban.incidents"
    label = "incidents"
    verbose_name = "突发事件"

    def ready(self) -> None:
        from zhiban.audit.trail import track
        from zhiban.incidents import models as m
        from zhiban.org.caching import watch_activity

        track(
            m.Event,
            m.Report,
            m.VerificationRequest,
            m.Procedure,
            m.ReportingRule,
            m.ExternalOffice,
            m.ChaseUp,
            m.ReportAttachment,
        )
        watch_activity(
            {
                m.Event: "unit_id",
                m.Report: "event.unit_id",
                m.EventStep: "event.unit_id",
                m.ChaseUp: "to_unit_id",
                m.VerificationRequest: "to_unit_id",
            }
        )
