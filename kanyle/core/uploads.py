"""Uploaded files: the type is read from the content (magic bytes), never from the name."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = {
    "application/pdf": [(0, b"%PDF-")],
    "image/png": [(0, b"\x89PNG\r\n\x1a\n")],
    "image/jpeg": [(0, b"\xff\xd8\xff")],
    "application/dicom": [(128, b"DICM")],
}
TYPE_LABELS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG", "application/dicom": "DICOM"}


def sniff(head: bytes) -> str | None:
    for content_type, signatures in SIGNATURES.items():
        if any(head[offset : offset + len(magic)] == magic for offset, magic in signatures):
            return content_type
    return None


def inspect_upload(upload: UploadedFile, *, allowed: tuple[str, ...]) -> tuple[str, str]:
    """Check size and real type; return (content type, sha256). Raises ValidationError in Norwegian."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s). The limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(132)
    upload.seek(0)
    content_type = sniff(head)
    if content_type not in allowed:
        raise ValidationError(
            _("The file's content is not an allowed type. Allowed: %(types)s.")
            % {"types": ", ".join(TYPE_LABELS[t] for t in allowed)}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()
