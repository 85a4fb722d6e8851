"""Where files that patients send (photos of a reaction) are kept: outside MEDIA_ROOT and static files.

A private storage has no URL: a file is served only by a view that has checked who asks (see
scheduling.report_views). Its folder is PRIVATE_MEDIA_ROOT, read when first used, not at import.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property


@deconstructible(path="core.storage.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    def __init__(self):
        super().__init__(base_url=None)

    @cached_property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError("A private file has no public URL: serve it through a view that checks access.")


def private_storage():
    """The storage of STORAGES["private"]: PrivateStorage by default, S3-compatible object storage in production.

    A callable, so a model field names the alias (read when used, not at import) and a deployment
    swaps the backend in settings without a migration.
    """
    return storages["private"]
