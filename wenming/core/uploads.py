"""Uploaded pictures (goods, wish photos, news images, evidence): accepted only as what their
first bytes show, stored under a random name, and sent only by the view of the object they
belong to after it checked who may see it. No URL prefix maps onto MEDIA_ROOT, in Django or in
front of it (docs/deployment.md).
"""

import secrets
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext_lazy as _

from wenming.core.errors import NotFound

MAX_IMAGE_BYTES = 5 * 1024 * 1024
# Uploads are stored only as the type their first bytes show.
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
IMAGE_ERROR = _("图片须为5MB以内的JPG或PNG")


def image_kind(upload) -> str | None:
    """jpg or png by the file's first bytes (never its name or the browser's word)."""
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return "png" if head == b"\x89PNG\r\n\x1a\n" else None


def image_error(upload) -> str | None:
    """Why an upload is refused, or None: for forms that show the message under the field."""
    if image_kind(upload) is None or upload.size > MAX_IMAGE_BYTES:
        return str(IMAGE_ERROR)
    return None


def checked_image(upload, *, stem: str = "image"):
    """The upload renamed `<stem>.<jpg|png>` after its bytes, or a 422 for anything else or over
    5 MB: a JPEG header in front of HTML named .html would otherwise be served as a page. The
    model's `upload_to` (`random_name`) then makes the name unguessable."""
    if error := image_error(upload):
        raise ValidationError(error, code="invalid_image")
    upload.name = f"{stem}.{image_kind(upload)}"
    return upload


def random_name(folder: str, filename: str) -> str:
    """A stored name nobody can guess or count through: a random token, and the extension the
    service gave after reading the file's first bytes."""
    return f"{folder}/{secrets.token_urlsafe(16)}.{filename.rsplit('.', 1)[-1].lower()}"


def file_response(stored: FieldFile) -> HttpResponse:
    """Send a stored file the caller was found allowed to see. With MEDIA_ACCEL_REDIRECT set
    (an internal-only location of the proxy, e.g. nginx's `/_protected_media/`), the proxy
    sends the bytes after this check; otherwise Django does. The file's name is random and
    changes with the file, so the answer may be cached, but only by the caller's browser."""
    content_type = CONTENT_TYPES.get(stored.name.rsplit(".", 1)[-1].lower())
    if content_type is None:
        raise NotFound()  # nothing else is ever stored; never send it as something it is not
    if prefix := getattr(settings, "MEDIA_ACCEL_REDIRECT", ""):
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(stored.name)
    else:
        try:
            response = FileResponse(stored.open("rb"), content_type=content_type)
        except FileNotFoundError:
            raise NotFound() from None
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
