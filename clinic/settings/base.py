"""Settings shared by every environment. Values that differ come from the environment."""

import datetime
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .envvars import env_bool, env_db, env_int, env_list, env_redis, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "phonenumber_field",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "audit",
    "patients",
    "consents",
    "procedures",
    "scheduling",
    "billing",
    "results",
    "reminders",
    "portal",
    "records",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.parsers.JsonBodiesOnlyMiddleware",  # a form body under /api/: 415 (read by nothing before)
    "core.middleware.RejectNulMiddleware",
    "core.outage.OutageMiddleware",  # a database outage raised by a view: 503, not 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.language.PatientLanguageMiddleware",  # a patient's pages in the patient's language
    "audit.middleware.AuditContextMiddleware",  # lets model signals name who made a change
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "accounts.middleware.PrivateCacheMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "scheduling.context_processors.statuses",
                "core.branding.context",
            ],
        },
    },
]

DATABASES = {"default": env_db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Behind PgBouncer in transaction pooling (deploy/pgbouncer.ini) each transaction may run on another
# server connection: no server-side cursors (iterator() would leave one open across transactions).
# Nothing else of ours keeps session state: locks are transaction-scoped (pg_advisory_xact_lock),
# no SET, LISTEN or prepared statements (psycopg2 prepares none).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool("DATABASE_POOLED", False)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out username or address first
    "django.contrib.auth.backends.ModelBackend",
    "portal.backends.PatientContactBackend",  # patients may type their phone or email
]
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))  # where collectstatic writes
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files patients send (photos with a warning report): never under a served folder; core.storage reads it.
PRIVATE_MEDIA_ROOT = Path(env_str("DJANGO_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Medical photos and patients' uploads: never at a public URL (see core.storage).
    "private": {"BACKEND": "core.storage.PrivateStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

PHONENUMBER_DEFAULT_REGION = "RU"
PHONENUMBER_DB_FORMAT = "E164"

REDIS_URL = env_redis("REDIS_URL")
# A cache that degrades (core/cache.py): with Redis unreachable, reads miss and go to the database,
# writes are skipped, one warning is logged, and Redis is not tried again for RETRY_SECONDS.
CACHE_TIMEOUT_SECONDS = env_int("REDIS_CACHE_TIMEOUT_MS", 250, minimum=1) / 1000
CACHES = {
    "default": {
        "BACKEND": "core.cache.DegradingRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "clinic",
        "RETRY_SECONDS": env_int("REDIS_CACHE_RETRY_SECONDS", 2, minimum=0),
        "OPTIONS": {"socket_connect_timeout": CACHE_TIMEOUT_SECONDS, "socket_timeout": CACHE_TIMEOUT_SECONDS},
    }
}

# Celery: JSON only, late acks so a killed worker's task is redelivered, one task at a time.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 30, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 60, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A send claimed longer ago than this is taken to have died with its worker and is sent again;
# it must outlast the hard time limit, or a slow send could be sent twice.
DISPATCH_LEASE_SECONDS = env_int("DISPATCH_LEASE_SECONDS", 180, minimum=1)
if DISPATCH_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("The environment variable DISPATCH_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# The API takes JSON only, but these paths (a regular expression -> the body's byte limit) take one
# file as multipart/form-data: a check's photo (15 MB, results.services.PHOTO_LIMITS) and its fields.
API_MULTIPART_PATHS = {r"/api/v1/checks/\d+/photos/": 15 * 1024 * 1024 + 256 * 1024}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous request is answered 401 with WWW-Authenticate, not 403.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies only (a form or multipart body is 415), so the schema declares each body once and a
    # generated client has one way to send it; the parser refuses a body nested deeper than 20 levels.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.DepthLimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # drf-spectacular's, adding every operation's errors with the one error schema (core.schema).
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic procedure planner API",
    "DESCRIPTION": (
        "Patients, screenings, ice tests, eligibility, courses and sessions.\n\n"
        "Authenticate with a token from `POST /api/v1/auth/token/`, sent as `Authorization: Bearer <token>` "
        '(or `Token <token>`). Request bodies are JSON. Every error is `{"error": {"code", "message", '
        '"fields"?, "problems"?, "conflicts"?}}` (the Error schema), its messages in the language of '
        "Accept-Language (ru, en). Date-times carry their UTC offset."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["core.policy.ApiSchemaPermission"],  # staff only
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A course's status appears in CourseOut and in CourseDetail (which adds its consents): one enum,
    # its old name; four "kind" fields named apart.
    "ENUM_NAME_OVERRIDES": {
        "CourseOutStatusEnum": "scheduling.models.CourseStatus",
        "NitrogenReadingKindEnum": "scheduling.models.ReadingKind",
        "SkinTreatmentKindEnum": "scheduling.models.SkinTreatment",
        "ReceiptKindEnum": "billing.models.ReceiptKind",
        "UtilisationRowKindEnum": ["clinician", "resource"],  # a utilisation row: a clinician or a room
        "WaitlistViaEnum": "scheduling.models.WaitlistVia",
        "WarningReportViaEnum": "scheduling.models.WarningReportVia",
        "TrichoscopyMethodEnum": "results.models.Method",
        "PaymentMethodEnum": "billing.models.Method",
        "CheckKindEnum": "results.models.CheckKind",
    },
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clinic@localhost")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)

# Reminders (reminders/)
SMS_BACKEND = env_str("SMS_BACKEND", "core.sms.ConsoleBackend")
SMS_FILE_PATH = env_str("SMS_FILE_PATH", str(BASE_DIR / ".data" / "sms.jsonl"))
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_KEY = env_str("SMS_GATEWAY_KEY", "")
SMS_GATEWAY_TIMEOUT = env_int("SMS_GATEWAY_TIMEOUT", 10, minimum=1)
# A worker sends a batch over this many SMTP (or SMS gateway) connections at once.
REMINDER_SEND_LANES = env_int("REMINDER_SEND_LANES", 4, minimum=1)
QUIET_HOURS_START = env_int("QUIET_HOURS_START", 21, minimum=0)  # no SMS from this local hour ...
QUIET_HOURS_END = env_int("QUIET_HOURS_END", 9, minimum=0)  # ... until this one
CANCEL_NOTICE_HOURS = env_int("CANCEL_NOTICE_HOURS", 24, minimum=0)
# The website's request form (page and API alike): requests per client address per hour.
# Money (billing): the clinic's refund policy and its online cash register (54-FZ).
# Does the course discount survive a course cancelled part way? If not, what was delivered is
# priced at the full price per session when the unused part is refunded.
BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE = env_bool("BILLING_KEEP_DISCOUNT_ON_PARTIAL_COURSE", True)
BILLING_NO_SHOW_COUNTS_AS_USED = env_bool("BILLING_NO_SHOW_COUNTS_AS_USED", True)
BILLING_FISCAL_BACKEND = env_str("BILLING_FISCAL_BACKEND", "console")  # console, file or http
BILLING_FISCAL_FILE_PATH = env_str("BILLING_FISCAL_FILE_PATH", str(BASE_DIR / ".data" / "receipts.jsonl"))
BILLING_FISCAL_URL = env_str("BILLING_FISCAL_URL", "")  # the cloud cash register's receipt endpoint
BILLING_FISCAL_TOKEN = env_str("BILLING_FISCAL_TOKEN", "")
BILLING_FISCAL_TIMEOUT = env_int("BILLING_FISCAL_TIMEOUT", 10, minimum=1)
BILLING_FISCAL_LEASE_SECONDS = env_int("BILLING_FISCAL_LEASE_SECONDS", 180, minimum=1)
BILLING_FISCAL_MAX_ATTEMPTS = env_int("BILLING_FISCAL_MAX_ATTEMPTS", 8, minimum=1)
BILLING_FISCAL_BACKOFF_SECONDS = env_int("BILLING_FISCAL_BACKOFF_SECONDS", 30, minimum=1)  # the first retry's wait
if BILLING_FISCAL_BACKEND not in ("console", "file", "http"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("The environment variable BILLING_FISCAL_BACKEND must be console, file or http.")
if BILLING_FISCAL_LEASE_SECONDS <= CELERY_TASK_TIME_LIMIT:  # a slow send must not be re-taken while it runs
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BILLING_FISCAL_LEASE_SECONDS must exceed CELERY_TASK_TIME_LIMIT.")
# Online payment links (billing/provider.py): "" (none) or "http", a YooKassa-like payments API.
BILLING_PAYMENT_PROVIDER = env_str("BILLING_PAYMENT_PROVIDER", "")
BILLING_PAYMENT_PROVIDER_URL = env_str("BILLING_PAYMENT_PROVIDER_URL", "")  # where a payment is created (POST)
BILLING_PAYMENT_PROVIDER_TOKEN = env_str("BILLING_PAYMENT_PROVIDER_TOKEN", "")
BILLING_PAYMENT_PROVIDER_TIMEOUT = env_int("BILLING_PAYMENT_PROVIDER_TIMEOUT", 10, minimum=1)
# The provider signs each webhook with it: HMAC-SHA256 of the body, hex, in X-Payment-Signature.
BILLING_PAYMENT_WEBHOOK_SECRET = env_str("BILLING_PAYMENT_WEBHOOK_SECRET", "")
if BILLING_PAYMENT_PROVIDER not in ("", "http"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured('The environment variable BILLING_PAYMENT_PROVIDER must be "" or http.')
CLINIC_INN = env_str("CLINIC_INN", "7700000000")  # the clinic's taxpayer number, on every receipt
CLINIC_TAXATION = env_str("CLINIC_TAXATION", "usn_income")  # osn, usn_income, usn_income_outcome, patent
CLINIC_PAYMENT_ADDRESS = env_str("CLINIC_PAYMENT_ADDRESS", "")  # where payments are taken (tag 1187)
CLINIC_LEGAL_NAME = env_str("CLINIC_LEGAL_NAME", "ООО «Трихо»")  # on the tax-deduction certificate
CLINIC_LICENCE = env_str("CLINIC_LICENCE", "Л041-00000-77/00000000 от 01.01.2024")  # the medical licence

PUBLIC_REQUESTS_PER_IP_PER_HOUR = env_int("PUBLIC_REQUESTS_PER_IP_PER_HOUR", 5, minimum=1)
# Who may record a session's outcome: "location" (any clinician working at the session's location)
# or "clinician" (the session's own clinician only).
SESSION_OUTCOME_BY = env_str("SESSION_OUTCOME_BY", "location")
if SESSION_OUTCOME_BY not in ("location", "clinician"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SESSION_OUTCOME_BY must be 'location' or 'clinician'.")
# A recorded outcome (completed / no-show) can be corrected, with a reason, until this long after the session ends.
OUTCOME_CORRECTION_HOURS = env_int("OUTCOME_CORRECTION_HOURS", 24, minimum=0)
REMINDER_LINK_MAX_AGE_DAYS = env_int("REMINDER_LINK_MAX_AGE_DAYS", 7, minimum=1)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# The clinic's identity (core/branding.py): page titles, the header, e-mail signatures, the request form.
CLINIC_NAME = env_str("CLINIC_NAME", "Клиника «Трихо»")
CLINIC_NAME_EN = env_str("CLINIC_NAME_EN", "Tricho Clinic")
CLINIC_PHONE = env_str("CLINIC_PHONE", "+7 495 123-45-67")  # the demo branch's too
CLINIC_EMAIL = env_str("CLINIC_EMAIL", "info@clinic.example")
CLINIC_PRIVACY_URL = env_str("CLINIC_PRIVACY_URL", "/privacy/")  # the personal-data policy (152-FZ)
CLINIC_LOGO = env_str("CLINIC_LOGO", "")  # a path under static/, e.g. "img/logo.svg"

# Patient portal (portal/services.py)
PORTAL_LINK_MINUTES = env_int("PORTAL_LINK_MINUTES", 15, minimum=1)  # a one-time sign-in link lives this long
PORTAL_INVITE_HOURS = env_int("PORTAL_INVITE_HOURS", 72, minimum=1)  # an invitation to set a password
PORTAL_LINKS_PER_CONTACT = env_int("PORTAL_LINKS_PER_CONTACT", 3, minimum=1)  # per phone/email per link lifetime
PORTAL_LINKS_PER_IP_PER_HOUR = env_int("PORTAL_LINKS_PER_IP_PER_HOUR", 10, minimum=1)
PORTAL_LINK_DELIVERY = env_str("PORTAL_LINK_DELIVERY", "celery")  # or "inline": sent within the request
if PORTAL_LINK_DELIVERY not in ("celery", "inline"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("The environment variable PORTAL_LINK_DELIVERY must be celery or inline.")

# Consents (consents/services.py): one-time signing codes and the links registrars send
CONSENT_CODE_MINUTES = env_int("CONSENT_CODE_MINUTES", 10, minimum=1)  # a signing code lives this long
CONSENT_CODE_ATTEMPTS = env_int("CONSENT_CODE_ATTEMPTS", 5, minimum=1)  # wrong tries before a code is dead
CONSENT_CODES_PER_PATIENT = env_int("CONSENT_CODES_PER_PATIENT", 3, minimum=1)  # codes per code lifetime
CONSENT_CODE_CHECKS_PER_IP_PER_HOUR = env_int("CONSENT_CODE_CHECKS_PER_IP_PER_HOUR", 30, minimum=1)
# The waiting list: how long an offer of a freed time stands, how many stand at once for one time,
# how many a patient gets a day; "inline" makes the offers within the request that freed the time.
WAITLIST_OFFER_HOURS = env_int("WAITLIST_OFFER_HOURS", 2, minimum=1)
WAITLIST_OFFERS_PER_SLOT = env_int("WAITLIST_OFFERS_PER_SLOT", 3, minimum=1)
WAITLIST_OFFERS_PER_PATIENT_PER_DAY = env_int("WAITLIST_OFFERS_PER_PATIENT_PER_DAY", 1, minimum=1)
WAITLIST_OFFER_DELIVERY = env_str("WAITLIST_OFFER_DELIVERY", "celery")
CONSENT_LINK_HOURS = env_int("CONSENT_LINK_HOURS", 72, minimum=1)  # a signing link sent by a registrar

SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60

# The client's address: REMOTE_ADDR, or the forwarded-for address a listed proxy vouches for.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])

# Sign-in lockout (django-axes): 5 failures lock that account, and separately that address,
# for 15 minutes. Counted in the database, so every web node sees the same count. The "username"
# counted is the account the typed value names (a login name, or a patient's phone or email written
# any way), so spellings of one contact count together (portal/lockout.py).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "core.net.client_ip"
AXES_USERNAME_CALLABLE = "portal.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Password-reset emails per address and per client address, per hour (accounts.views).
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = env_int("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 3, minimum=1)
PASSWORD_RESETS_PER_IP_PER_HOUR = env_int("PASSWORD_RESETS_PER_IP_PER_HOUR", 10, minimum=1)

# API tokens (accounts/tokens.py): they expire, and a password change revokes them.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30, minimum=1)

# Two-factor authentication (django-otp): TOTP apps, with one-time recovery codes.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "Clinic procedure planner")
OTP_REQUIRED_ROLES = ["administrator"]  # these cannot work until they have set up a second factor

# Content-Security-Policy (django-csp): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Sessions are read from Redis and written through to the database: a page reads no session row.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_SAVE_EVERY_REQUEST = False  # accounts.middleware.IdleTimeoutMiddleware refreshes it once a minute
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
