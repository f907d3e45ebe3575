"""xAPI (Tin Can) content packages: safe import of the zip, and launch with short-lived credentials.

The launch follows the Tin Can launch convention (rusticisoftware/launch): the launch file is
opened with `endpoint`, `auth`, `actor`, `registration` and `activity_id` in its query string;
the credential in `auth` may only write and read that learner's statements, for a few hours.
"""

from __future__ import annotations

import json
import secrets
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import IO
from urllib.parse import urlencode

from defusedxml import ElementTree
from flask import current_app

from lms.extensions import db

from .agents import ifi_key
from .auth import create_credential
from .models import ContentPackage
from .validation import is_iri

MAX_FILES = 5000
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
LAUNCH_LIFETIME = timedelta(hours=8)
LAUNCH_SCOPES = ["statements/write", "statements/read/mine", "state"]
_TINCAN_NS = "{http://projecttincan.com/tincan.xsd}"


class PackageError(ValueError):
    """The upload is not a usable xAPI package; the message says why."""


def content_root() -> Path:
    return Path(current_app.instance_path) / "content"


def package_dir(package: ContentPackage) -> Path:
    return content_root() / package.storage_key


def _safe_member(name: str) -> PurePosixPath | None:
    """The member's path if it stays inside the package (no zip-slip), else None."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return path


@dataclass
class Manifest:
    title: str
    activity_id: str
    launch_path: str


def read_manifest(archive: zipfile.ZipFile) -> Manifest:
    """The course activity and launch file declared in tincan.xml."""
    names = {n.replace("\\", "/"): n for n in archive.namelist()}
    if "tincan.xml" not in names:
        raise PackageError("The zip has no tincan.xml at its top level; it is not an xAPI (Tin Can) package.")
    try:
        root = ElementTree.fromstring(archive.read(names["tincan.xml"]))
    except Exception as exc:  # noqa: BLE001 - any XML problem (incl. defused attacks) is the upload's
        raise PackageError(f"tincan.xml cannot be read: {exc}") from None
    for activity in root.iter(f"{_TINCAN_NS}activity"):
        launch = activity.find(f"{_TINCAN_NS}launch")
        if launch is None or not (launch.text or "").strip():
            continue
        activity_id = (activity.get("id") or "").strip()
        if not is_iri(activity_id):
            raise PackageError(f"tincan.xml: the activity id {activity_id!r} is not an IRI.")
        launch_path = launch.text.strip()
        if _safe_member(launch_path) is None or launch_path not in names:
            raise PackageError(f"tincan.xml: the launch file {launch_path!r} is not in the package.")
        name = activity.find(f"{_TINCAN_NS}name")
        title = (name.text or "").strip() if name is not None else ""
        return Manifest(title=title or activity_id, activity_id=activity_id, launch_path=launch_path)
    raise PackageError("tincan.xml declares no activity with a launch file.")


def import_package(upload: IO[bytes], uploaded_by_id: int | None, title: str | None = None) -> ContentPackage:
    """Check and unpack an uploaded zip; the caller commits. Raises PackageError."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise PackageError("The file is not a zip archive.") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_FILES:
            raise PackageError(f"The package has {len(infos)} files; at most {MAX_FILES} are accepted.")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES:
            raise PackageError(f"The package unpacks to {total // 1_048_576} MB; at most "
                               f"{MAX_UNPACKED_BYTES // 1_048_576} MB are accepted.")
        for info in infos:
            if _safe_member(info.filename) is None:
                raise PackageError(f"The package contains an unsafe path: {info.filename!r}.")
        manifest = read_manifest(archive)
        key = secrets.token_hex(16)
        target = content_root() / key
        target.mkdir(parents=True)
        try:
            written = 0
            for info in infos:
                dest = target / Path(*_safe_member(info.filename).parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, dest.open("wb") as out:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > MAX_UNPACKED_BYTES:  # sizes in the zip header can lie
                            raise PackageError("The package unpacks to more than it declares.")
                        out.write(chunk)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
    package = ContentPackage(
        title=(title or manifest.title)[:255], activity_id=manifest.activity_id, launch_path=manifest.launch_path,
        storage_key=key, file_count=len(infos), size_bytes=written, uploaded_by_id=uploaded_by_id,
    )
    db.session.add(package)
    db.session.flush()
    return package


def launch_url(package: ContentPackage, user, base_url: str, file_url: str, registration: str | None = None) -> str:
    """The launch file's URL with Tin Can launch parameters and a fresh credential limited to this
    learner and `registration` (a course enrolment's, or a new one for a stand-alone launch)."""
    registration = registration or str(uuid.uuid4())
    actor = {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"}
    credential, secret = create_credential(
        f"Launch of {package.title} for {user.email}"[:120], LAUNCH_SCOPES,
        expires_in=LAUNCH_LIFETIME, actor_ifi=ifi_key(actor), registration=registration, user_id=user.id,
    )
    import base64

    auth = "Basic " + base64.b64encode(f"{credential.key}:{secret}".encode()).decode()
    query = urlencode({
        "endpoint": f"{base_url}/xapi/",
        "auth": auth,
        "actor": json.dumps(actor, separators=(",", ":")),
        "registration": registration,
        "activity_id": package.activity_id,
    })
    return f"{file_url}?{query}"


def delete_package_files(package: ContentPackage) -> None:
    shutil.rmtree(package_dir(package), ignore_errors=True)
