"""`manage.py restore FILE`: restores a backup into the configured database and checks it (every
table's count against the manifest, the audit chain). `--drill` restores into a scratch database
instead, checks, and drops it: proof that the backup restores, leaving the live database alone."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhiban.archive import backups


class Command(BaseCommand):
    help = "从备份恢复数据库并核对；--drill 只在临时数据库中演练"

    def add_arguments(self, parser):
        parser.add_argument("file", help="备份文件（旁边须有它的备份清单）")
        parser.add_argument("--overwrite", action="store_true", help="目标数据库已有记录时仍然覆盖")
        parser.add_argument("--drill", action="store_true", help="恢复到临时数据库核对后删除，不动正式数据库")

    def handle(self, *args, file, overwrite=False, drill=False, **options):
        source = Path(file)
        try:
            if drill:
                with backups.scratch_database() as (alias, described):
                    manifest, found = backups.restore(source, alias)
                target = described
            else:
                manifest, found = backups.restore(source, "default", overwrite=overwrite)
                target = "当前数据库"
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"已把 {manifest.at[:19]} 的备份恢复到{target}：{found.words()}")
        if not found.passed:
            raise CommandError("恢复后的核对未通过")
