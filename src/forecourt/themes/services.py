"""Theme uploads from start to end, shared by the Admin Portal, the Admin API and the CLI:
unpack and check the zip, validate by rendering every template, then store."""

from dataclasses import dataclass, field
from typing import IO

from forecourt.audit.services import Actor

from . import storage
from .archive import BadArchive, unpack
from .models import Theme
from .validate import StagedSource, validate


class UploadRefused(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Uploaded:
    theme: Theme
    replaced: bool
    skipped: list[str] = field(default_factory=list)


def upload(file: IO[bytes], size: int | None, actor: Actor | None) -> Uploaded:
    """Store the theme in the zip `file`, replacing one of the same name; UploadRefused lists why not."""
    if storage.setting("Theming.DisableUpload"):
        raise UploadRefused(["theme uploads are disabled on this portal (Theming.DisableUpload)"])
    try:
        unpacked = unpack(file, size)
    except BadArchive as exc:
        raise UploadRefused(exc.errors) from None
    try:
        storage.check_name(unpacked.manifest.name)
    except storage.Refused as exc:
        raise UploadRefused([str(exc)]) from None
    problems = validate(StagedSource(unpacked.manifest, unpacked.files))
    if problems:
        raise UploadRefused([str(p) for p in problems])
    replaced = Theme.objects.filter(name__iexact=unpacked.manifest.name).exists()
    theme = storage.save(unpacked.manifest, unpacked.files, actor)
    return Uploaded(theme, replaced, unpacked.skipped)
