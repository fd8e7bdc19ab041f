"""Uploaded files (goods pictures, wish photos) leave only through views that first resolve
the object they belong to and check who may see it. Nothing under MEDIA_ROOT is served by its
path: no URL prefix maps onto that folder, in Django or in front of it (docs/deployment.md).
"""

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse

from wenming.core.errors import NotFound

# Uploads are stored only as the type their first bytes show (the forms and services check).
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


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
