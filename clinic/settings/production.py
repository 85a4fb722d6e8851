"""Production: everything secret or host-specific comes from the environment."""

import importlib.util

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .envvars import env_bool, env_int, env_list, env_str

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# A load balancer probes the nodes over plain HTTP: the health endpoints answer it (core/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# Medical photos (results, warning reports) in S3-compatible object storage instead of the file
# system: DJANGO_PRIVATE_STORAGE=s3 and `pip install -r requirements/s3.txt` (boto3). The objects are
# private (no public ACL; a URL, if anything asked for one, would be signed and short-lived), and the
# app still serves every file through its audited view, never by a bucket address.
PRIVATE_STORAGE = env_str("DJANGO_PRIVATE_STORAGE", "filesystem")
if PRIVATE_STORAGE == "s3":
    if not (importlib.util.find_spec("storages") and importlib.util.find_spec("boto3")):
        raise ImproperlyConfigured("DJANGO_PRIVATE_STORAGE=s3 needs boto3: pip install -r requirements/s3.txt.")
    STORAGES = {
        **STORAGES,  # noqa: F405
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env_str("DJANGO_PRIVATE_S3_BUCKET"),
                "endpoint_url": env_str("DJANGO_PRIVATE_S3_ENDPOINT", "") or None,
                "region_name": env_str("DJANGO_PRIVATE_S3_REGION", "") or None,
                "access_key": env_str("DJANGO_PRIVATE_S3_ACCESS_KEY"),
                "secret_key": env_str("DJANGO_PRIVATE_S3_SECRET_KEY"),
                "location": env_str("DJANGO_PRIVATE_S3_PREFIX", "private"),
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": 300,
                "file_overwrite": False,
                "object_parameters": {"CacheControl": "private, no-store"},
            },
        },
    }
elif PRIVATE_STORAGE != "filesystem":
    raise ImproperlyConfigured("DJANGO_PRIVATE_STORAGE must be filesystem or s3.")
