"""Course uploads: cover images (checked and re-encoded with Pillow), videos and downloads.

Files live under instance/course_files with random names; the database keeps the key, the
learner-facing file name and the MIME type. Nothing a person uploads is served from its own name.
"""

from __future__ import annotations

import io
import secrets
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..people.service import ValidationError

COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_MAX_PIXELS = 40_000_000
COVER_WIDTH = 1200
VIDEO_MAX_BYTES = 60 * 1024 * 1024
FILE_MAX_BYTES = 25 * 1024 * 1024

VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm"}
DOWNLOAD_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "txt": "text/plain",
    "csv": "text/csv",
    "zip": "application/zip",
    "png": "image/png",
    "jpg": "image/jpeg",
}


@dataclass
class StoredFile:
    key: str
    name: str
    mime: str


def files_root() -> Path:
    return Path(current_app.instance_path) / "course_files"


def path_for(key: str) -> Path:
    """The stored file; keys are made here, so a key with a separator is never ours."""
    if not key or "/" in key or "\\" in key or key.startswith("."):
        raise FileNotFoundError(key)
    return files_root() / key


def _read_limited(stream: IO[bytes], limit: int, field: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_l("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024)), field)
    if not data:
        raise ValidationError(_l("The file is empty."), field)
    return data


def _write(data: bytes, ext: str) -> str:
    key = f"{secrets.token_hex(16)}.{ext}"
    root = files_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / key).write_bytes(data)
    return key


def _extension(filename: str | None, allowed: dict[str, str], field: str) -> str:
    ext = PurePath(filename or "").suffix.lower().lstrip(".")
    if ext == "jpeg":
        ext = "jpg"
    if ext not in allowed:
        raise ValidationError(_l("Upload one of these types: %(types)s.", types=", ".join(sorted(allowed))), field)
    return ext


def store_cover(stream: IO[bytes], field: str = "cover") -> str:
    """Check that the upload is a real JPEG, PNG or WebP image, then store a re-encoded copy
    (no metadata, no trailing payload, at most COVER_WIDTH pixels wide)."""
    from PIL import Image, UnidentifiedImageError

    data = _read_limited(stream, COVER_MAX_BYTES, field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            fmt = probe.format
            if probe.width * probe.height > COVER_MAX_PIXELS:
                raise ValidationError(_l("The image has too many pixels."), field)
            probe.verify()
        if fmt not in {"JPEG", "PNG", "WEBP"}:
            raise ValidationError(_l("Upload a JPEG, PNG or WebP image."), field)
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.width > COVER_WIDTH:
                image.thumbnail((COVER_WIDTH, COVER_WIDTH * 4))
            out = io.BytesIO()
            if fmt == "PNG":
                image.save(out, "PNG", optimize=True)
                ext = "png"
            else:
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
                ext = "jpg"
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValidationError(_l("The file is not an image that can be read."), field) from None
    return _write(out.getvalue(), ext)


def store_video(stream: IO[bytes], filename: str | None, field: str = "upload") -> StoredFile:
    """An MP4 or WebM video, recognised by its first bytes as well as its name."""
    ext = _extension(filename, VIDEO_TYPES, field)
    data = _read_limited(stream, VIDEO_MAX_BYTES, field)
    is_mp4 = data[4:8] == b"ftyp"
    is_webm = data[:4] == b"\x1a\x45\xdf\xa3"
    if not ((ext == "mp4" and is_mp4) or (ext == "webm" and is_webm)):
        raise ValidationError(_l("The file is not an MP4 or WebM video."), field)
    return StoredFile(_write(data, ext), PurePath(filename).name[:255], VIDEO_TYPES[ext])


def store_download(stream: IO[bytes], filename: str | None, field: str = "upload") -> StoredFile:
    """A file learners download (always served as an attachment)."""
    ext = _extension(filename, DOWNLOAD_TYPES, field)
    data = _read_limited(stream, FILE_MAX_BYTES, field)
    return StoredFile(_write(data, ext), PurePath(filename).name[:255], DOWNLOAD_TYPES[ext])

