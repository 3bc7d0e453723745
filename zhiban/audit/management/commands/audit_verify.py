from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from zhiban.audit.models import AuditEntry, AuditHead
from zhiban.audit.trail import entry_problem, verify_chain


class Command(BaseCommand):
    help = (
        "Checks the audit trail's keyed hash chain, its head and the signed checkpoints outside the "
        "database; exits non-zero where it breaks. --archive DIR also checks the exported entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--archive", type=Path, help="the AUDIT_ARCHIVE_DIR whose files to check too")

    def handle(self, *args, archive=None, **options):
        count, broken = verify_chain()
        if broken is not None:
            where = f"at entry {broken.pk}" if broken.pk else "at its end (the newest entries are gone)"
            raise CommandError(
                f"audit chain broken {where}: {broken.message}; {count} entries before it hold"
            )
        if archive is not None:
            self.stdout.write(f"archive holds: {self._archive(archive)} entries")
        self.stdout.write(f"audit chain holds: {count} entries")

    def _archive(self, folder: Path) -> int:
        """The exported files, oldest first, continue one chain that ends where the database's begins."""
        import json

        prev, count = "0" * 64, 0
        for path in sorted(folder.glob("audit-*.jsonl")):
            for line in path.read_text().splitlines():
                entry = AuditEntry(**{k: v for k, v in json.loads(line).items()})
                entry.at = parse_datetime(entry.at)
                problem = entry_problem(entry, prev)
                if problem:
                    raise CommandError(f"archive {path.name} broken at entry {entry.id}: {problem}")
                prev, count = entry.hash, count + 1
        head = AuditHead.objects.filter(pk=1).first()
        if head is not None and head.purged_count and head.purged_last_hash != prev:
            raise CommandError(
                "the archive does not end where the database's chain begins: files are missing"
            )
        return count
