"""Uploading an xAPI (Tin Can) package and launching it with a learner-limited credential."""

from __future__ import annotations

import io
import json
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.xapi.conftest import VERSION, statement

TINCAN_XML = b"""<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd">
  <activities>
    <activity id="http://fasthold.example/content/phishing" type="http://adlnet.gov/expapi/activities/course">
      <name>Spot the phishing mail</name>
      <launch lang="en-US">story.html</launch>
    </activity>
  </activities>
</tincan>"""


def make_zip(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def upload(client, files, title=""):
    return client.post("/admin/lrs/packages", data={"package": (make_zip(files), "course.zip"), "title": title},
                       content_type="multipart/form-data")


@pytest.fixture
def package(client, login, create_user, db):
    from xapi.models import ContentPackage

    hr = create_user("hr")
    login(hr)
    response = upload(client, {"tincan.xml": TINCAN_XML, "story.html": b"<html><script>1</script></html>",
                               "media/logo.svg": b"<svg/>"})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/logout")
    return db.session.query(ContentPackage).one()


def test_upload_reads_the_manifest_and_unpacks_the_files(package, app):
    from xapi.content import package_dir

    assert package.title == "Spot the phishing mail"
    assert package.activity_id == "http://fasthold.example/content/phishing"
    assert package.launch_path == "story.html"
    assert (package_dir(package) / "media" / "logo.svg").read_bytes() == b"<svg/>"


@pytest.mark.parametrize(("files", "message"), [
    ({"story.html": b"x"}, "no tincan.xml"),
    ({"tincan.xml": b"<tincan", "story.html": b"x"}, "cannot be read"),
    ({"tincan.xml": TINCAN_XML}, "launch file"),
    ({"tincan.xml": TINCAN_XML, "story.html": b"x", "../evil.sh": b"x"}, "unsafe path"),
    ({"tincan.xml": TINCAN_XML.replace(b"http://fasthold.example/content/phishing", b"not an iri"),
      "story.html": b"x"}, "not an IRI"),
])
def test_bad_packages_are_refused_with_a_reason_and_nothing_is_kept(client, login, create_user, db, files, message):
    from xapi.models import ContentPackage

    login(create_user("hr"))
    response = upload(client, files)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(ContentPackage).count() == 0


def test_a_file_that_is_not_a_zip_is_refused(client, login, create_user):
    login(create_user("hr"))
    response = client.post("/admin/lrs/packages", data={"package": (io.BytesIO(b"hello"), "notes.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not a zip archive" in response.get_data(as_text=True)


def test_employees_cannot_upload(client, login, create_user):
    login(create_user())
    assert upload(client, {"tincan.xml": TINCAN_XML, "story.html": b"x"}).status_code == 403


def test_launch_gives_the_learner_a_credential_for_their_own_statements_only(client, login, create_user, package):
    learner = create_user()
    login(learner)
    response = client.post(f"/content/{package.id}/launch")
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert target.path == f"/content/{package.storage_key}/story.html"
    assert params["endpoint"].endswith("/xapi/")
    assert params["activity_id"] == package.activity_id
    actor = json.loads(params["actor"])
    assert actor["mbox"] == f"mailto:{learner.email}"
    client.post("/logout")

    headers = {**VERSION, "Authorization": params["auth"], "Content-Type": "application/json"}
    own = statement(actor=actor, object={"id": package.activity_id},
                    context={"registration": params["registration"]})
    assert client.post("/xapi/statements", data=json.dumps(own), headers=headers).status_code == 200
    someone_else = statement(actor={"mbox": "mailto:other@example.com"}, object={"id": package.activity_id})
    assert client.post("/xapi/statements", data=json.dumps(someone_else), headers=headers).status_code == 403
    read = client.get("/xapi/statements", headers={**VERSION, "Authorization": params["auth"]}).get_json()
    assert {s["actor"]["mbox"] for s in read["statements"]} == {f"mailto:{learner.email}"}
    from lms.extensions import db
    from xapi.models import Statement

    stored = db.session.query(Statement).filter(Statement.verb_id.isnot(None)).all()
    assert [s.user_id for s in stored] == [learner.id]


def test_package_files_are_served_sandboxed_to_signed_in_people(client, login, create_user, package):
    path = f"/content/{package.storage_key}/story.html"
    assert client.get(path).status_code == 302  # sign in first
    login(create_user())
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"].startswith("sandbox allow-scripts")
    assert client.get(f"/content/{package.storage_key}/../../secret_key").status_code == 404
    assert client.get("/content/nonexistent/story.html").status_code == 404
