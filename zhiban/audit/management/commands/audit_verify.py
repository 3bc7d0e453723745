from django.core.management.base import BaseCommand, CommandError

from zhiban.audit.trail import verify_chain


class Command(BaseCommand):
    help = "Checks the audit trail's hash chain; exits non-zero at the first entry that was altered."

    def handle(self, *args, **options):
        count, broken = verify_chain()
        if broken is not None:
            where = f"at entry {broken.pk}" if broken.pk else "at its end (the newest entries are gone)"
            raise CommandError(
                f"audit chain broken {where}: {broken.message}; {count} entries before it hold"
            )
        self.stdout.write(f"audit chain holds: {count} entries")
