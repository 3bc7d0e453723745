"""`manage.py totp_code USERNAME`: the current authenticator code of an account, for trying the demo
without a phone. It reads the secret from the database, which anyone who may run it can read anyway;
a production deployment (ZHIBAN_PRODUCTION=1) refuses it all the same."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Prints the current TOTP code of an account's authenticator (demo and development only)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("totp_code is for the demo and development; refused in production")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no authenticator: it enrols at its first login")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
