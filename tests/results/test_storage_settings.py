"""Production keeps medical photos on the file system by default, or in private S3-compatible storage."""

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "DJANGO_SECRET_KEY": "x" * 50,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clinic",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_SETTINGS_MODULE": "clinic.settings.production",
}
S3 = {
    "DJANGO_PRIVATE_STORAGE": "s3",
    "DJANGO_PRIVATE_S3_BUCKET": "clinic-photos",
    "DJANGO_PRIVATE_S3_ENDPOINT": "https://storage.example.net",
    "DJANGO_PRIVATE_S3_ACCESS_KEY": "key",
    "DJANGO_PRIVATE_S3_SECRET_KEY": "secret",
}
# The settings module alone: django.setup() would build the S3 backend, which needs boto3 (requirements/s3.txt).
PRINT = "import json, clinic.settings.production as s; print(json.dumps(s.STORAGES['private']))"
HAS_BOTO3 = importlib.util.find_spec("boto3") is not None and importlib.util.find_spec("storages") is not None
# Without requirements/s3.txt, stand-in modules let the settings be read (the backend itself is not built).
STAND_INS = (
    "import sys, types, importlib.machinery\n"
    "for name in ('boto3', 'storages'):\n"
    "    sys.modules[name] = types.ModuleType(name)\n"
    "    sys.modules[name].__spec__ = importlib.machinery.ModuleSpec(name, None)\n"
)


def _private_storage(stand_ins=False, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k not in GOOD}
    result = subprocess.run(
        [sys.executable, "-c", (STAND_INS if stand_ins else "") + PRINT],
        cwd=ROOT,
        env={**clean, **GOOD, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return result


def test_the_file_system_is_the_default():
    result = _private_storage()
    assert json.loads(result.stdout) == {"BACKEND": "core.storage.PrivateStorage"}


def test_s3_storage_is_private_and_signed():
    storage = json.loads(_private_storage(stand_ins=True, **S3).stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["default_acl"] == "private" and options["querystring_auth"] is True
    assert (options["bucket_name"], options["endpoint_url"]) == ("clinic-photos", "https://storage.example.net")


def test_s3_without_its_bucket_stops_start_up_naming_it():
    missing = _private_storage(stand_ins=True, **{k: v for k, v in S3.items() if k != "DJANGO_PRIVATE_S3_BUCKET"})
    assert missing.returncode != 0 and "DJANGO_PRIVATE_S3_BUCKET is required" in missing.stderr


@pytest.mark.skipif(HAS_BOTO3, reason="requirements/s3.txt is installed")
def test_s3_without_boto3_stops_start_up_saying_what_to_install():
    result = _private_storage(**S3)
    assert result.returncode != 0 and "pip install -r requirements/s3.txt" in result.stderr


def test_an_unknown_storage_stops_start_up():
    result = _private_storage(DJANGO_PRIVATE_STORAGE="ftp")
    assert result.returncode != 0 and "DJANGO_PRIVATE_STORAGE must be filesystem or s3" in result.stderr
