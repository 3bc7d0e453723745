"""`manage.py demo`: the demo city, once. Each app's `demo_data.py` adds its part, lowest app first (the
order of INSTALLED_APPS), as `runjobs` walks their `jobs.py`:

- `load(demo: dict) -> str | None` builds the app's part; `demo` carries what lower apps built (org puts
  the units there as `demo["units"]`); the line returned is printed.
- `loaded() -> bool` (optional): the demo is already there, build nothing.
- `logins() -> list[str]` (optional): lines printed every time, the logins to try it with."""

from django.core.management.base import BaseCommand

from zhiban.lib.registry import app_modules


class Command(BaseCommand):
    help = "Loads the demo city (once): units, people, roles, training, contacts, rosters, a month of duty."

    def handle(self, *args, **options):
        modules = [m for m in app_modules("demo_data") if hasattr(m, "load")]
        if any(getattr(m, "loaded", lambda: False)() for m in modules):
            self.stdout.write("demo data already loaded")
        else:
            demo: dict = {}
            for module in modules:
                line = module.load(demo)
                if line:
                    self.stdout.write(line)
        self.stdout.write("")
        for module in modules:
            for line in getattr(module, "logins", lambda: [])():
                self.stdout.write(line)
