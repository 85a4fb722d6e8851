"""Static files: collectstatic under the production storage succeeds, so pages can name their files."""

import json

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from django.core.management import call_command
from django.test import override_settings
from django.utils.module_loading import import_string

from clinic.settings import base


def test_collectstatic_succeeds_under_the_production_storage(tmp_path):
    """The manifest storage follows every url() and sourceMappingURL and fails on a missing target
    (a vendored file naming a map that is not shipped); pages then answer 500 in production.

    Run with Django's manifest storage, which the production one (whitenoise's) extends with gzip
    and Brotli copies of every file: the compression took 30 of this test's 37 s, and deploy-check
    runs the production collectstatic itself."""
    production = import_string(base.STORAGES["staticfiles"]["BACKEND"])
    assert issubclass(production, ManifestStaticFilesStorage)
    manifest_only = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES={**settings.STORAGES, "staticfiles": manifest_only}):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js", "css/app.css"):
        assert (tmp_path / manifest[name]).is_file(), name
