"""A developer's laptop: debug on, console email. DATABASE_URL/REDIS_URL come from scripts/devenv.py."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")
os.environ.setdefault("DJANGO_DEBUG", "true")
# Outside `make`, manage.py talks to the embedded servers' usual places (start them with
# `python scripts/devenv.py exec -- python manage.py ...`, which also fills these in).
_data = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), ".data")
os.environ.setdefault("DATABASE_URL", f"postgres://postgres@/clinic?host={_data}/pg")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from .base import *  # noqa: E402,F403

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
