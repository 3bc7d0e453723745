from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "zhiban.archive"
    label = "archive"
    verbose_name = "档案"

    def ready(self) -> None:
        from zhiban.archive import models as m
        from zhiban.archive import signals
        from zhiban.audit.trail import track

        track(m.BackupPolicy, m.Backup, m.RestoreDrill, m.Volume)
        signals.connect()
