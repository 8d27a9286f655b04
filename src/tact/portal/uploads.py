"""Files a debtor uploads (dispute evidence, proof of payment): PDF, PNG or JPEG, up to
the creditor's size limit, the type told by the content, never by the name or the
browser's word. Stored outside the web root under a name of our own."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile

# The first bytes of each accepted type.
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)


@dataclass(frozen=True)
class Checked:
    file: UploadedFile
    content_type: str
    extension: str
    original_name: str


class UploadRefused(ValueError):
    def __init__(self, reason: str) -> None:  # "too_large" | "type" | "empty"
        super().__init__(reason)
        self.reason = reason


def upload_check(file: UploadedFile, *, max_bytes: int) -> Checked:
    """Raise UploadRefused unless ``file`` is a PDF, PNG or JPEG of at most ``max_bytes``."""
    if not file.size:
        raise UploadRefused("empty")
    if file.size > max_bytes:
        raise UploadRefused("too_large")
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            name = (file.name or "").rsplit("/", 1)[-1][:200]
            file.name = f"upload.{extension}"  # our name on disk; the debtor's is kept apart
            return Checked(file=file, content_type=content_type, extension=extension, original_name=name)
    raise UploadRefused("type")
