import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhiban.settings")
application = get_wsgi_application()

# A production deployment refuses to start with DEBUG, a superuser or a failing check (lib.checks).
from zhiban.lib.checks import refuse_to_start_unsafely  # noqa: E402 (needs the settings loaded above)

refuse_to_start_unsafely()
