"""The test suite: fast hashing, in-memory email, same PostgreSQL and Redis as everywhere."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless a test process (a real worker) is pointed at a local SMTP server.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
CACHES["default"]["KEY_PREFIX"] = "clinic-test"  # noqa: F405
# A new dict, not an edit of base.STORAGES: a test reads the production storage from there.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# The portal's links are sent within the request, so a test reads them from the outbox at once.
PORTAL_LINK_DELIVERY = "inline"
# A freed time's waiting-list offers are made on commit within the request, so a test sees them at once.
WAITLIST_OFFER_DELIVERY = "inline"

# Photos patients send: a folder of the test run's own (a test may point it at its tmp_path).
PRIVATE_MEDIA_ROOT = Path(tempfile.gettempdir()) / f"clinic-test-private-media-{os.getpid()}"  # noqa: F405
