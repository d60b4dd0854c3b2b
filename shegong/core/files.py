"""Serving a stored personal or official file (a photo, a voucher, a certificate scan):
only through a view that has applied the record's restriction, never from a public URL."""

from django.http import FileResponse

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}


def private_file(file, kind: str) -> FileResponse:
    """The stored ``file`` of the checked ``kind`` (pdf, jpeg, png, webp) shown in the
    browser, kept in the user's cache only, never sniffed as another type."""
    response = FileResponse(
        file.open("rb"), content_type=CONTENT_TYPES.get(kind, "application/octet-stream")
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response
