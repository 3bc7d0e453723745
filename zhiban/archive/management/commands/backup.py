"""`manage.py backup [FILE]`: a consistent backup of the whole database while the site runs, with its
manifest beside it (FILE defaults to a dated name in BACKUP_DIR)."""

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhiban.archive import backups
from zhiban.archive.models import Backup


class Command(BaseCommand):
    help = "备份整个数据库（网站运行时也可），并在旁边写备份清单"

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="备份文件；默认写到备份目录，按时间命名")
        parser.add_argument("--overwrite", action="store_true", help="文件已存在时覆盖")

    def handle(self, *args, file=None, overwrite=False, **options):
        dest = Path(file) if file else backups.backup_dir() / backups.default_name()
        try:
            manifest = backups.take(dest, overwrite=overwrite)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        if dest.parent.resolve() == backups.backup_dir().resolve():  # listed on the backup page
            Backup.objects.create(
                kind=Backup.Kind.MANUAL,
                state=Backup.State.DONE,
                requested_at=dt.datetime.fromisoformat(manifest.at),
                started_at=dt.datetime.fromisoformat(manifest.at),
                finished_at=timezone.now(),
                by_name="命令行",
                name=dest.name,
                size=manifest.size,
                sha256=manifest.sha256,
                records=manifest.records,
                audit_count=manifest.audit_count,
            )
        self.stdout.write(
            f"已备份到 {dest}：{manifest.records} 条记录，审计记录 {manifest.audit_count} 条，"
            f"{manifest.size} 字节，SHA-256 {manifest.sha256[:16]}…"
        )
