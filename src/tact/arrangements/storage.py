"""Files debtors upload, kept under ``TACT_PRIVATE_ROOT`` (var/private by default): outside
the web root, served only through views that check who asks."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """A folder under the private root, read from the settings on every use (so a test or
    a deployment that moves the root moves the files)."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        super().__init__()

    @property
    def base_location(self):  # type: ignore[override]
        return os.path.join(settings.TACT_PRIVATE_ROOT, self.folder)

    @property
    def location(self):  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):  # type: ignore[override]
        return None  # never a public URL
