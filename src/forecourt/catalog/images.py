"""THE rule for an image an admin uploads for a product (its logo, its preview): what it is, by its bytes.

The name and the browser's Content-Type are the uploader's word, so the type is read from the file's
first bytes (PNG, JPEG, GIF, WebP). SVG is refused: it can carry scripts, and Forecourt does not
sanitise it. A checked file is stored under the extension of the type found, which is what the Live
Portal and the Admin API serve it as (with nosniff), so a file is never served as something else.
"""

from typing import IO

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

# Extension -> Content-Type of every image type the portal stores and serves.
TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".webp": "image/webp"}
MAX_BYTES = {"logo": 1024 * 1024, "preview": 2 * 1024 * 1024}
ACCEPTED = "a PNG, JPEG, GIF or WebP image"


class InvalidImage(ValueError):
    """Why an uploaded file is not taken, in words for the admin."""


def sniff(head: bytes) -> str | None:
    """The extension of the image type these first bytes begin, or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if head.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ".gif"
    if len(head) >= 12 and head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return ".webp"
    return None


def _head(file: IO[bytes]) -> bytes:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return head


def check(upload: "UploadedFile[bytes]", kind: str) -> "UploadedFile[bytes]":
    """The upload, renamed `<kind>.<the extension of its real type>`; InvalidImage when it is too big
    or not an image the portal serves."""
    limit = MAX_BYTES[kind]
    if upload.size is None or upload.size > limit:
        raise InvalidImage(f"The {kind} may be at most {limit // (1024 * 1024)} MB.")
    if upload.size == 0:
        raise InvalidImage(f"The {kind} is an empty file.")
    file = upload.file
    if file is None:
        raise InvalidImage(f"The {kind} is an empty file.")
    extension = sniff(_head(file))
    if extension is None:
        head = _head(file).lstrip().lower()
        svg = str(upload.name or "").lower().endswith(".svg") or head.startswith((b"<svg", b"<?xml"))
        raise InvalidImage(f"SVG images are not accepted (they can carry scripts); use {ACCEPTED}." if svg
                           else f"The file is not {ACCEPTED} (its content says otherwise, whatever its name).")
    upload.name = kind + extension
    upload.content_type = TYPES[extension]
    return upload


def content_type(name: str) -> str | None:
    """The Content-Type a stored image is served as, from the extension `check` gave it; None if none."""
    dot = name.rfind(".")
    return TYPES.get(name[dot:].lower()) if dot >= 0 and "/" not in name[dot:] else None


def discard_on_commit(name: str) -> None:
    """Remove a replaced or removed image from storage once the change is committed (a rolled-back
    change keeps it)."""
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
