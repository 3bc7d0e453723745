"""The one settings file. Every value that differs between machines comes from the environment
through helpers in zhiban.lib.env, which refuse bad values instead of guessing."""

import os
from pathlib import Path

from zhiban.lib.env import (
    database,
    env_bool,
    env_int,
    env_list,
    env_networks,
    key_bytes,
    key_list,
    secret_key,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHIBAN_VAR_DIR", BASE_DIR / "var"))

# A production deployment says so: its keys must then come from the environment (never a file made
# under var/), and the security checks (zhiban.lib.checks) refuse DEBUG, a superuser and plain HTTP.
PRODUCTION = env_bool("ZHIBAN_PRODUCTION", False)
SECRET_KEY = secret_key(VAR_DIR, PRODUCTION)
DEBUG = env_bool("DEBUG", False)
# Uploaded sensitive files (medical records, evidence) are sealed with this AES-256 key (zhiban.lib.files);
# older keys still open what they sealed, for rotation.
FILE_ENCRYPTION_KEY = key_bytes("FILE_ENCRYPTION_KEY", VAR_DIR, PRODUCTION)
FILE_ENCRYPTION_OLD_KEYS = key_list("FILE_ENCRYPTION_OLD_KEYS")
# The audit chain's HMAC key (zhiban.audit): whoever can write the database cannot rebuild the chain
# without it. Signed checkpoints of the chain's head go outside the database every few minutes, to an
# append-only file and, where set, a syslog server (host:port or a socket path); entries past the
# retention are exported to the archive directory before they are purged.
AUDIT_HMAC_KEY = key_bytes("AUDIT_HMAC_KEY", VAR_DIR, PRODUCTION)
AUDIT_CHECKPOINT_FILE = Path(os.environ.get("AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit-checkpoints.log"))
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 300, minimum=10)
AUDIT_SYSLOG_ADDRESS = os.environ.get("AUDIT_SYSLOG_ADDRESS", "")
AUDIT_ARCHIVE_DIR = Path(os.environ.get("AUDIT_ARCHIVE_DIR", VAR_DIR / "audit-archive"))
# Backups (manage.py backup, the nightly job): a folder on another disk in production.
BACKUP_DIR = Path(os.environ.get("ZHIBAN_BACKUP_DIR", VAR_DIR / "backups"))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", ["http://127.0.0.1:8000", "http://localhost:8000"])
# Proxies whose word on the client's address (X-Real-IP, X-Forwarded-For) is believed (lib.addresses):
# the audit's addresses and the lockout by address are the person's, not nginx's. The default is the
# README's set-up, granian on 127.0.0.1 behind nginx on the same machine: only a local process reaches
# granian there. An empty default would leave every request "from 127.0.0.1": the audit would name no
# one's address, and 20 failed logins from anywhere would lock the address everyone shares, i.e. all.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI for /api/v1/docs from its own static files, not a CDN
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "zhiban.lib",
    "zhiban.audit",
    "zhiban.org",
    "zhiban.notify",
    "zhiban.roster",
    "zhiban.intake",
    "zhiban.incidents",
    "zhiban.shifts",
    "zhiban.supervision",
    "zhiban.archive",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "zhiban.lib.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "zhiban.lib.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "zhiban.org.middleware.SessionPolicyMiddleware",
    "zhiban.org.middleware.SecondFactorMiddleware",
    "zhiban.audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhiban.urls"
WSGI_APPLICATION = "zhiban.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.messages.context_processors.messages",
                "zhiban.org.context_processors.scope",
            ],
            "builtins": ["zhiban.lib.templatetags.zhiban", "django.templatetags.l10n"],
        },
    }
]

DATABASES = {"default": database(os.environ.get("DATABASE_URL"), VAR_DIR / "zhiban.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Length and composition come from the security policy the security administrator keeps
# (org.SecurityPolicy), never below the floor MLPS asks for; nothing personal (username, name in pinyin,
# phone, the unit's place) nor the system's name; none of the last three; Django's list of 20,000
# common passwords stays.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "zhiban.org.security.SimilarToAccountValidator"},
    {"NAME": "zhiban.org.security.PolicyPasswordValidator"},
    {"NAME": "zhiban.org.security.PasswordReuseValidator"},
    {"NAME": "zhiban.org.security.CommonPasswordListValidator"},
    {"NAME": "zhiban.org.security.NotOnlyDigitsValidator"},
]
# The second factor (org.factors): the kinds in force, TOTP and the backup codes beside it. An SM2 USB
# key would be one more line here (README “安全”).
SECOND_FACTORS = ["zhiban.org.factors.Authenticator", "zhiban.org.factors.Backup"]
OTP_TOTP_ISSUER = "政务值班管理平台"
LOGIN_URL = "login"
LOGIN_URL_PATH = (
    "/login/"  # where LOGIN_URL points: a fragment's request redirected there is told so (org.middleware)
)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: the database is the record, a per-process cache saves the read on every request.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 12 * 3600
# The idle timeout, the absolute lifetime and one session per person are the security policy's
# (org.SecurityPolicy, org.middleware); the cookie outlives neither.

# Lockout (django-axes) by account, and by address over all accounts (org.security); the numbers are
# the security policy's.
AXES_HANDLER = "zhiban.org.security.AccountAndAddressHandler"
AXES_FAILURE_LIMIT = "zhiban.org.security.failure_limit"
AXES_COOLOFF_TIME = "zhiban.org.security.cool_off"
# Mail goes through the intranet's SMTP relay; the outbox retries it (notify.jobs).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhiban@localhost")
# The roster solver's time limit (CP-SAT deterministic seconds, about wall seconds on one core).
ROSTER_SOLVER_SECONDS = env_int("ROSTER_SOLVER_SECONDS", 10, minimum=1)
# auto-solving in the job runner: its time limit, its threads (2: the portfolio's LNS beside the main search) and the
# proven gap at which it stops before its time is up (0.01: within 1 % of the best roster there is)
ROSTER_BACKGROUND_SECONDS = env_int("ROSTER_BACKGROUND_SECONDS", 60, minimum=1)
ROSTER_SOLVER_WORKERS = env_int("ROSTER_SOLVER_WORKERS", 2, minimum=1)
ROSTER_SOLVER_GAP = float(os.environ.get("ROSTER_SOLVER_GAP", "0.01"))
# CP-SAT's linearization level for the background solve: 2 puts the spacing cuts and clashes in its
# relaxation, which proved the demo city's month to 4 % where level 1 left 23 % (bench/roster.py)
ROSTER_SOLVER_LINEARIZATION = env_int("ROSTER_SOLVER_LINEARIZATION", 2, minimum=0)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_CLIENT_IP_CALLABLE = "zhiban.lib.addresses.client_ip"  # the person's address behind nginx
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Django's own zh_Hans input formats use PHP-style %n/%j, so "2026年3月5日" never parses; ours fix that.
FORMAT_MODULE_PATH = ["zhiban.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start without it
# WhiteNoise serves straight from the finders: no collectstatic step between a checkout and a running site.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "media"

# Flash messages ride in a signed cookie: a form saved and its redirect then cost no session write.
MESSAGE_STORAGE = "django.contrib.messages.storage.cookie.CookieStorage"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Production (ZHIBAN_PRODUCTION=1) is HTTPS only, behind nginx which terminates TLS and says so in
# X-Forwarded-Proto: plain HTTP is redirected, browsers are told to use HTTPS for a year (HSTS), and
# cookies travel over HTTPS only. `manage.py check --deploy --fail-level WARNING` passes with these.
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # nginx's and the monitor's probe over the loopback
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusals": {"()": "zhiban.lib.middleware.RefusalsWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["refusals"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # a refusal (403, 404) is one line without its traceback; a 500 keeps it
        "django.request": {"filters": ["refusals"]},
    },
}

# The address limit is org.security's own (higher than the account's: a duty room often sits behind
# one NAT address), not axes' combined parameters, which would apply the account's number to both.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
