"""Uploads: stored under MEDIA_ROOT, limited in size, never half-written."""

import hashlib

from django.core.files.uploadedfile import SimpleUploadedFile

from eduworld.assets.models import Asset

from .helpers import lesson_path


def upload(api, node_id, name="cloud.png", content=b"\x89PNG fake picture"):
    return api.post("/api/assets/", {"node": node_id,
                                     "file": SimpleUploadedFile(name, content, "image/png")},
                    format="multipart")


def test_upload_is_stored_with_its_checksum_and_url(api, media_root):
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"])
    assert response.status_code == 201, response.content
    asset = response.json()
    assert asset["sha256"] == hashlib.sha256(b"\x89PNG fake picture").hexdigest()
    assert asset["url"].startswith("/media/assets/")
    stored = media_root / asset["url"].removeprefix("/media/")
    assert stored.read_bytes() == b"\x89PNG fake picture"


def test_a_file_name_cannot_escape_the_media_folder(api, media_root):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"], name="../../etc/passwd").json()
    assert asset["url"].startswith("/media/assets/")
    assert (media_root / asset["url"].removeprefix("/media/")).exists()


def test_oversized_upload_is_refused_and_writes_nothing(api, media_root, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"], content=b"x" * 1001)
    assert response.status_code == 413
    assert Asset.objects.count() == 0
    assert not any(p.is_file() for p in media_root.rglob("*")) if media_root.exists() else True


def test_oversized_request_body_is_refused_before_it_is_read(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api.post("/api/nodes/", {"kind": "subject", "title": "x" * 200}, format="json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_files_belong_to_lessons_of_ones_own(api, client_for, other_teacher, media_root):
    nodes = lesson_path(api)
    assert upload(api, nodes["unit"]["id"]).status_code == 400
    assert upload(client_for(other_teacher), nodes["lesson"]["id"]).status_code == 400
    assert upload(api, "not-a-uuid").status_code == 400
    assert Asset.objects.count() == 0


def test_an_empty_or_missing_file_is_refused(api, media_root):
    lesson = lesson_path(api)["lesson"]
    assert upload(api, lesson["id"], content=b"").status_code == 400
    assert api.post("/api/assets/", {"node": lesson["id"]}, format="multipart").status_code == 400


def test_deleting_an_asset_removes_its_file(api, media_root, django_capture_on_commit_callbacks):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"]).json()
    stored = media_root / asset["url"].removeprefix("/media/")
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/assets/{asset['id']}/").status_code == 204
    assert not stored.exists()
