"""Uploads: only allowed types, read from the content; stored under MEDIA_ROOT, limited in
size, never half-written; served so that nothing in them runs; files follow their rows."""

import hashlib
import random
import re
from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import override_settings

from eduworld import urls
from eduworld.assets import files, sniff
from eduworld.assets.media import CONTENT_SECURITY_POLICY, media_urlpatterns
from eduworld.assets.models import Asset
from eduworld.core.models import IdempotencyRecord

from . import samples
from .helpers import lesson_path

PICTURE = samples.png()
NGINX_SITE = (Path(__file__).resolve().parents[2]
              / "ansible/roles/nginx/templates/eduworld.nginx.j2")

# The URLconf of the tests that GET media: EduWorld's, with Django serving media (DEBUG on).
urlpatterns = [*urls.urlpatterns, *media_urlpatterns()]


def upload(api, node_id, name="cloud.png", content=PICTURE, claimed="image/png", **extra):
    return api.post("/api/assets/", {"node": node_id,
                                     "file": SimpleUploadedFile(name, content, claimed)},
                    format="multipart", **extra)


def stored_files(media_root):
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def stored(media_root, asset):
    return media_root / asset["url"].removeprefix("/media/")


def test_upload_is_stored_with_its_checksum_and_url(api, media_root):
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"])
    assert response.status_code == 201, response.content
    asset = response.json()
    assert asset["sha256"] == hashlib.sha256(PICTURE).hexdigest()
    assert asset["url"] == f"/media/assets/{asset['id']}/cloud.png"
    assert stored(media_root, asset).read_bytes() == PICTURE


def test_a_file_name_cannot_escape_the_media_folder(api, media_root):
    lesson = lesson_path(api)["lesson"]
    for name in ["../../etc/passwd", "<script>.png", ".hidden", "été.photo.jpeg"]:
        asset = upload(api, lesson["id"], name=name).json()
        assert re.fullmatch(rf"/media/assets/{asset['id']}/[\w.-]+\.png", asset["url"])
        assert stored(media_root, asset).is_file()
    assert asset["url"].endswith("/ete.photo.png") and asset["name"] == "été.photo.jpeg"


def test_oversized_upload_is_refused_and_writes_nothing(api, media_root, settings):
    settings.MAX_UPLOAD_BYTES = 1000
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"], content=PICTURE + b"x" * 1001)
    assert response.status_code == 413
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


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


# --- Which files: an allow-list, recognised by content --------------------------------------

@pytest.mark.parametrize("name", sorted(samples.ACCEPTED))
def test_each_allowed_type_is_recognised_by_its_content(name):
    content, mime = samples.ACCEPTED[name]
    assert sniff.sniff(SimpleUploadedFile("x", content)).mime == mime


@pytest.mark.parametrize("name", sorted(samples.REFUSED))
def test_anything_else_is_refused(name):
    with pytest.raises(sniff.Refused):
        sniff.sniff(SimpleUploadedFile(name, samples.REFUSED[name]))


def test_damaged_files_are_refused_never_an_error():
    rng = random.Random(2016)
    for content, _ in samples.ACCEPTED.values():
        for _ in range(40):
            damaged = bytearray(content[:rng.randrange(1, len(content) + 1)])
            for _ in range(rng.randrange(0, 4)):
                damaged[rng.randrange(len(damaged))] = rng.randrange(256)
            try:
                found = sniff.sniff(SimpleUploadedFile("x", bytes(damaged)))
            except sniff.Refused:
                continue
            assert found.mime in sniff.ALLOWED


def test_every_allowed_type_has_a_sample():
    assert {mime for _, mime in samples.ACCEPTED.values()} == set(sniff.ALLOWED)


def test_the_type_is_derived_from_the_content_not_the_name_or_the_claim(api, media_root):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"], name="notes.gif", content=samples.DOCX,
                   claimed="image/gif").json()
    assert asset["content_type"] == sniff.OOXML + "wordprocessingml.document"
    assert asset["name"] == "notes.gif"  # shown to people as they named it
    assert asset["url"].endswith("/notes.docx")  # stored (and so served) as what it is
    assert Asset.objects.get().content_type == asset["content_type"]


@pytest.mark.parametrize("name, content, claimed, says", [
    ("drawing.svg", samples.SVG_WITH_SCRIPT, "image/svg+xml", "SVG images are not accepted"),
    ("worksheet.pdf", samples.HTML, "application/pdf", "not a file type EduWorld accepts"),
    ("polyglot.png", samples.REFUSED["polyglot.png"], "image/png", "not a file type"),
])
def test_a_refused_upload_says_why_and_writes_nothing(api, media_root, name, content, claimed,
                                                      says):
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"], name=name, content=content, claimed=claimed)
    assert response.status_code == 400
    message = response.json()["file"]
    assert says in message
    assert "PNG, JPEG, GIF, WebP, PDF, MP3, Ogg, WAV, MP4, WebM, Word (docx)" in message
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


# --- How they are served -------------------------------------------------------------------

@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("name, mime, disposition", [
    ("cloud.png", "image/png", "inline"),
    ("sheet.pdf", "application/pdf", "inline"),
    ("clip.webm", "video/webm", "inline"),
    ("notes.docx", sniff.OOXML + "wordprocessingml.document", "attachment"),
    ("talk.odp", sniff.ODF + "presentation", "attachment"),
])
def test_django_serves_media_with_the_derived_type_and_sandboxed(api, client, media_root, name,
                                                                  mime, disposition):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"], name=name, content=samples.ACCEPTED[name][0]).json()
    response = client.get(asset["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == mime
    assert response["Content-Disposition"] == disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "sandbox" in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY


@override_settings(ROOT_URLCONF=__name__)
def test_html_hidden_inside_a_real_picture_is_served_as_a_picture(api, client, media_root):
    # A valid PNG may carry anything in a text chunk: recognising it does not make it
    # harmless. Served as image/png, nosniff and sandboxed, nothing in it runs.
    polyglot = samples.png(samples.png_chunk(b"tEXt", b"Comment\x00" + samples.HTML))
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"], name="page.html", content=polyglot,
                   claimed="text/html").json()
    assert asset["url"].endswith("/page.png")
    response = client.get(asset["url"])
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox;")


@override_settings(ROOT_URLCONF=__name__)
def test_a_file_of_no_allowed_extension_is_an_opaque_download(db, client, media_root):
    (media_root / "assets").mkdir(parents=True)
    (media_root / "assets" / "old.svg").write_bytes(samples.SVG_WITH_SCRIPT)
    response = client.get("/media/assets/old.svg")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == "attachment"


def test_django_serves_media_only_in_debug():
    assert not any("media" in str(p.pattern) for p in urls.urlpatterns)  # nginx does


def test_nginx_serves_media_with_the_same_types_and_headers():
    site = NGINX_SITE.read_text()
    media = site[site.index("location /media/ {"):]
    media = media[:media.index("\n    }\n")]
    types = media[media.index("types {"):media.index("        }")]
    served = dict(reversed(line.strip().rstrip(";").split())
                  for line in types.splitlines()[1:] if line.strip())
    assert served == {t.extension: t.mime for t in sniff.ALLOWED.values()}
    assert "default_type application/octet-stream;" in media
    # The headers are one macro, which /media/ and the peer's answers (chapter 4) both use.
    headers = site[site.index("{% macro media_headers() -%}"):site.index("{%- endmacro %}")]
    assert "add_header X-Content-Type-Options nosniff always;" in headers
    assert f'add_header Content-Security-Policy "{CONTENT_SECURITY_POLICY}" always;' in headers
    from_peer = site[site.index("location @media_from_peer {"):]
    for location in (media, from_peer[:from_peer.index("\n    }\n")]):
        assert "{{ media_headers() | indent(8) }}" in location
    inline = re.search(r"~\\\.\(([a-z0-9|]+)\)\$ inline;", site).group(1).split("|")
    assert set(inline) == {t.extension for t in sniff.ALLOWED.values() if t.inline}


# --- Files follow their rows ---------------------------------------------------------------

def test_deleting_an_asset_removes_its_file_after_the_commit(api, media_root,
                                                             django_capture_on_commit_callbacks):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"]).json()
    with django_capture_on_commit_callbacks() as callbacks:
        assert api.delete(f"/api/assets/{asset['id']}/").status_code == 204
    assert stored(media_root, asset).exists()  # not before the commit
    for callback in callbacks:
        callback()
    assert not stored(media_root, asset).exists()
    assert not stored(media_root, asset).parent.exists()  # the asset's folder too


def test_a_rolled_back_delete_keeps_the_file(api, media_root, django_capture_on_commit_callbacks):
    lesson = lesson_path(api)["lesson"]
    asset = upload(api, lesson["id"]).json()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        Asset.objects.get().delete()
        transaction.set_rollback(True)
    assert callbacks == []
    assert Asset.objects.count() == 1
    assert stored(media_root, asset).read_bytes() == PICTURE


@pytest.mark.parametrize("deleted", ["lesson", "subject"])
def test_deleting_a_lesson_or_its_subject_removes_its_files(api, media_root, deleted,
                                                            django_capture_on_commit_callbacks):
    nodes = lesson_path(api)
    assets = [upload(api, nodes["lesson"]["id"], name=name,
                     content=samples.ACCEPTED[name][0]).json()
              for name in ["cloud.png", "notes.docx"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/nodes/{nodes[deleted]['id']}/").status_code == 204
    assert Asset.objects.count() == 0
    assert not any(stored(media_root, asset).exists() for asset in assets)


def test_an_upload_that_fails_after_writing_its_file_leaves_nothing(api, media_root,
                                                                    monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("the row could not be written")

    monkeypatch.setattr(Asset, "save", fail)
    api.raise_request_exception = False
    lesson = lesson_path(api)["lesson"]
    assert upload(api, lesson["id"]).status_code == 500
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_an_upload_that_fails_while_writing_leaves_no_half_file(api, media_root, monkeypatch):
    class DiskFullHalfway:
        def __init__(self, content):
            self.content = content

        def chunks(self):
            yield PICTURE[:10]
            raise OSError(28, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.content, name)

    real_save = FileSystemStorage._save
    monkeypatch.setattr(FileSystemStorage, "_save",
                        lambda self, name, content: real_save(self, name, DiskFullHalfway(content)))
    api.raise_request_exception = False
    lesson = lesson_path(api)["lesson"]
    assert upload(api, lesson["id"]).status_code == 500
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


def test_an_upload_whose_transaction_rolls_back_later_leaves_nothing(api, media_root,
                                                                     monkeypatch):
    # The view wrote file and row; then the Idempotency-Key's record, in the same
    # transaction, fails: everything rolls back, after the view has returned.
    def fail(**kwargs):
        raise IntegrityError("as if another request stored this key meanwhile")

    monkeypatch.setattr(IdempotencyRecord.objects, "create", fail)
    api.raise_request_exception = False
    lesson = lesson_path(api)["lesson"]
    response = upload(api, lesson["id"], HTTP_IDEMPOTENCY_KEY="upload-1")
    assert response.status_code == 500
    assert Asset.objects.count() == 0
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_with_real_commits_and_rollbacks(api, media_root, monkeypatch):
    """Outside a test's transaction: the production path, where COMMIT really happens."""
    lesson = lesson_path(api)["lesson"]
    kept = upload(api, lesson["id"]).json()
    assert stored(media_root, kept).read_bytes() == PICTURE  # committed, so kept

    monkeypatch.setattr(IdempotencyRecord.objects, "create",
                        lambda **kwargs: (_ for _ in ()).throw(IntegrityError("no")))
    api.raise_request_exception = False
    assert upload(api, lesson["id"], name="b.png", HTTP_IDEMPOTENCY_KEY="k").status_code == 500
    assert stored_files(media_root) == [stored(media_root, kept)]
    monkeypatch.undo()

    assert api.delete(f"/api/assets/{kept['id']}/").status_code == 204
    assert stored_files(media_root) == []


def test_files_written_outside_a_request_are_left_alone(media_root, settings, teacher):
    # A shell or a command has no request to clean up after it: it owns its files.
    class Holder:
        pass

    holder = Holder()
    holder.file = Asset(content_type="image/png").file
    files.save_until_committed(holder.file, "x.png", SimpleUploadedFile("x.png", PICTURE))
    assert stored_files(media_root) != []
