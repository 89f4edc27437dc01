"""Attachments on an encounter: upload, serve and preview, each view logged (LAW-J).

The type of a file is read from its content (``kanyle.core.uploads``), never from its name, and a
file is served with that type, ``nosniff`` and ``no-store``, only to clinicians with access to the chart.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kanyle.audit.services import Actor, audit_record
from kanyle.clinics.access import capability_required, clinic_object_or_404
from kanyle.journal import services
from kanyle.journal.models import Attachment, Note
from kanyle.journal.views.common import chart_gate, note_or_404, practitioner_for

logger = logging.getLogger(__name__)

DICOM = "application/dicom"
EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", DICOM: ".dcm"}
# A DICOM file of at most UPLOAD_MAX_BYTES can still claim (compressed) frames far larger than
# that; the preview refuses to decode more pixels than this.
PREVIEW_MAX_PIXELS = 40_000_000
PREVIEW_MAX_SIDE = 2048


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"), allow_empty_file=False)
    title = forms.CharField(label=gettext_lazy("Description"), max_length=200)


def _visible(request: HttpRequest, note: Note) -> bool:
    """As in the chart: a signed note is part of the record; a draft is seen only by its author."""
    practitioner = practitioner_for(request)
    return note.is_signed or (practitioner is not None and note.author_id == practitioner.pk)


def _attachments_url(note: Note) -> str:
    return f"{reverse('journal:chart', args=[note.patient_id])}#attachments-{note.encounter_id}"


@capability_required("can_write_journal")
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file to the note's encounter; a signed note may get attachments (adding changes nothing in it)."""
    note = note_or_404(request, pk)
    if (gate := chart_gate(request, note.patient)) is not None:
        return gate
    if not _visible(request, note):
        raise Http404
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=Actor.from_request(request),
                encounter=note.encounter,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except (ValidationError, SuspiciousFileOperation) as error:
            problems = error.messages if isinstance(error, ValidationError) else [_("The file name is not allowed.")]
        else:
            messages.success(request, _("The attachment “%(title)s” is added.") % {"title": attachment.title})
            return redirect(_attachments_url(note))
    else:
        problems = [f"{form[name].label}: {error}" for name in ("file", "title") for error in form.errors.get(name, [])]
    messages.error(request, _("The attachment was not added: %(errors)s") % {"errors": " ".join(problems)})
    return redirect(_attachments_url(note))


def _attachment_or_404(request: HttpRequest, pk: int) -> Attachment:
    """The clinic's attachment, if the user may open the chart and see the note it hangs on."""
    attachment = clinic_object_or_404(Attachment.objects.select_related("patient", "encounter__note"), request, pk=pk)
    try:
        note = attachment.encounter.note
    except Note.DoesNotExist:
        raise Http404 from None
    if not _visible(request, note):
        raise Http404
    return attachment


def safe_filename(attachment: Attachment, content_type: str | None = None) -> str:
    """An ASCII file name for Content-Disposition: the original name's letters, the extension of the real type."""
    content_type = content_type or attachment.content_type
    stem = attachment.original_name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    for a, b in (("æ", "ae"), ("Æ", "AE"), ("ø", "o"), ("Ø", "O"), ("å", "a"), ("Å", "A")):
        stem = stem.replace(a, b)
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:80] or f"vedlegg-{attachment.pk}"
    return stem + EXTENSIONS.get(content_type, "")


def _private(response: HttpResponse, *, disposition: str, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@capability_required("can_view_journal")
def attachment_view(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = _attachment_or_404(request, pk)
    if (gate := chart_gate(request, attachment.patient)) is not None:
        return gate
    try:
        handle = attachment.file.open("rb")
    except (OSError, ValueError):
        logger.error("Attachment %s: the stored file cannot be read", attachment.pk)
        raise Http404 from None
    audit_record(
        actor=Actor.from_request(request),
        action="journal.attachment.viewed",
        patient=attachment.patient,
        target=attachment,
    )
    # Browsers cannot show DICOM: it is downloaded for a viewer program; the preview shows the image.
    disposition = "attachment" if attachment.content_type == DICOM else "inline"
    response = FileResponse(handle, content_type=attachment.content_type)
    return _private(response, disposition=disposition, filename=safe_filename(attachment))


@capability_required("can_view_journal")
def attachment_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """A DICOM image as PNG for the browser; 404 for other types and for pixel data that cannot be decoded."""
    attachment = _attachment_or_404(request, pk)
    if (gate := chart_gate(request, attachment.patient)) is not None:
        return gate
    if attachment.content_type != DICOM:
        raise Http404
    try:
        with attachment.file.open("rb") as handle:
            png = dicom_to_png(handle)
    except Exception:  # pydicom, numpy and Pillow raise many kinds; a broken image is "no preview", never a 500
        logger.warning(
            "Attachment %s: no preview, the DICOM pixel data cannot be decoded", attachment.pk, exc_info=True
        )
        raise Http404 from None
    audit_record(
        actor=Actor.from_request(request),
        action="journal.attachment.viewed",
        patient=attachment.patient,
        target=attachment,
        detail="preview",
    )
    response = HttpResponse(png, content_type="image/png")
    return _private(response, disposition="inline", filename=safe_filename(attachment, "image/png"))


def dicom_to_png(handle: Any) -> bytes:
    """Render the first frame: modality LUT, then VOI LUT or window (PS3.3 C.11), 8 bits, MONOCHROME1 inverted."""
    import numpy as np
    import pydicom
    from PIL import Image
    from pydicom.pixels import apply_color_lut, apply_modality_lut, apply_voi

    ds = pydicom.dcmread(handle)
    rows, columns = int(ds.Rows), int(ds.Columns)
    frames = int(ds.get("NumberOfFrames") or 1)
    samples = int(ds.get("SamplesPerPixel") or 1)
    if rows * columns * frames * samples > PREVIEW_MAX_PIXELS:
        raise ValueError("image too large to preview")
    pixels = ds.pixel_array
    if frames > 1:
        pixels = pixels[0]
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if photometric == "PALETTE COLOR":
        pixels = apply_color_lut(pixels, ds)
    if pixels.ndim == 3:  # colour; pydicom has already converted YBR to RGB
        image = Image.fromarray(_to_8_bit(pixels.astype(np.float64), None, None))
    else:
        values = apply_modality_lut(pixels, ds).astype(np.float64)
        low = high = None
        if "VOILUTSequence" in ds:
            values = apply_voi(values, ds).astype(np.float64)
        elif "WindowCenter" in ds and "WindowWidth" in ds:
            center = float(_first(ds.WindowCenter))
            width = float(_first(ds.WindowWidth))
            if width >= 1:
                # The linear window of PS3.3 C.11.2.1.2.1.
                low, high = center - 0.5 - (width - 1) / 2, center - 0.5 + (width - 1) / 2
        out = _to_8_bit(values, low, high)
        if photometric == "MONOCHROME1":  # 0 is white
            out = 255 - out
        image = Image.fromarray(out)
    image.thumbnail((PREVIEW_MAX_SIDE, PREVIEW_MAX_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _first(value: Any) -> Any:
    """Window Center/Width may hold several values (one per window); the first is the default."""
    from pydicom.multival import MultiValue

    return value[0] if isinstance(value, (MultiValue, list, tuple)) else value


def _to_8_bit(values: Any, low: float | None, high: float | None) -> Any:
    """Scale to 0–255: between the window's edges, or between the image's own minimum and maximum."""
    import numpy as np

    if low is None or high is None:
        low, high = float(np.min(values)), float(np.max(values))
    if high <= low:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = (np.clip(values, low, high) - low) / (high - low) * 255.0
    return np.rint(scaled).astype(np.uint8)
