"""Static files: collectstatic under the production storage succeeds, so pages can name their files."""

import json

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from clinic.settings import base


def test_collectstatic_succeeds_under_the_production_storage(tmp_path):
    """The manifest storage follows every url() and sourceMappingURL and fails on a missing target
    (a vendored file naming a map that is not shipped); pages then answer 500 in production."""
    production = base.STORAGES["staticfiles"]
    assert "Manifest" in production["BACKEND"]
    with override_settings(STATIC_ROOT=tmp_path, STORAGES={**settings.STORAGES, "staticfiles": production}):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js", "css/app.css"):
        assert (tmp_path / manifest[name]).is_file(), name
