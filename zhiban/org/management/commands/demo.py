from django.core.management.base import BaseCommand

from zhiban.incidents import demo_data as incident_demo
from zhiban.org.demo_data import ACCOUNTS, DEMO_PASSWORD, SYSTEM_ACCOUNTS, build_demo
from zhiban.org.models import Person, Unit
from zhiban.roster import demo_data as roster_demo
from zhiban.shifts import demo_data as shift_demo


class Command(BaseCommand):
    help = "Loads the demo city (once): units, people, roles, training, contacts, duty lines, rosters."

    def handle(self, *args, **options):
        if Unit.objects.exists():
            self.stdout.write("demo data already loaded")
        else:
            units = build_demo()
            rosters = roster_demo.build(units)
            self.stdout.write(
                f"demo rosters: {len(rosters)} (last month and this month published, next month a draft)"
            )
            incident_demo.build(units)
            shifts = shift_demo.build(units)
            self.stdout.write(
                f"demo duty: {shifts} shifts of the last month with calls, visits, faxes, matters"
            )
            self.stdout.write(
                f"demo data loaded: {Unit.objects.count()} units, {Person.objects.count()} people"
            )
        self.stdout.write("")
        self.stdout.write(
            "  管理员登录 administrator login:  admin / " + DEMO_PASSWORD + "  (市政府总值班室 值班室管理员)"
        )
        others = ", ".join(a[0] for a in ACCOUNTS[1:]) + ", " + ", ".join(a[0] for a in SYSTEM_ACCOUNTS)
        self.stdout.write(f"  other demo logins, same password: {others}")
