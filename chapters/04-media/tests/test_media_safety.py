"""Chapter 4's safety claims: nothing in an uploaded file runs in EduWorld's origin, csync2
lets in only a peer with the pair's key, and the playbook settles.

Scenario: the chapter-4 playbook. The script-carrying files are put on host1's disk
directly, as if they had arrived some other way: the upload checks would refuse them, and
this test is about what the headers do when the checks are not there.
"""

import socket
import uuid

import pytest

from book.browser import chromium
from eduworld.core.demo_data import TEACHER_EMAIL, TEACHER_PASSWORD
from lab import config, control, media, names
from lab.polling import holds_for, wait_for
from tests.samples import HTML, SVG_WITH_SCRIPT, png, png_chunk

pytestmark = pytest.mark.lab

HOST1 = names.url("host1")


def marker_script(token):
    """A script that, if it runs, asks EduWorld's API for the signed-in teacher and then
    requests a URL with the token in it (which the access log shows)."""
    return (f"fetch('/api/auth/me/').then(r => r.text())"
            f".then(t => fetch('/api/auth/me/?ran={token}&' + encodeURIComponent(t)))")


def place(chapter_lab, name, content):
    """Put a file in host1's media folder (as the eduworld user); return its URL."""
    folder = media.media_folder("host1") / "assets" / str(uuid.uuid4())
    # On a fresh lab nothing was uploaded yet: the assets folder is made here too.
    assets_made = not folder.parent.exists()
    folder.mkdir(parents=True)
    (folder / name).write_bytes(content)
    owned = folder.parent if assets_made else folder
    chapter_lab.console("host1", "chown", "-R", "eduworld:eduworld",
                        str(owned).replace(str(config.guest_disk("host1")), ""))
    return f"{HOST1}/media/{folder.relative_to(media.media_folder('host1'))}/{name}"


@pytest.mark.browser
def test_a_script_in_a_media_file_never_runs_in_eduworlds_origin(chapter_lab):
    """An HTML page, an SVG and a PNG carrying HTML, each with a script, opened in Chromium
    by a signed-in teacher, run no script in EduWorld's origin: the first two are downloaded
    (attachment), the PNG is shown as an image in a sandbox. The same script on a page of
    EduWorld's origin does run and is seen (the control)."""
    token = uuid.uuid4().hex
    script = marker_script(token).encode()
    files = {
        "page.html": HTML.replace(b"alert(document.cookie)", script),
        "drawing.svg": SVG_WITH_SCRIPT.replace(
            b'fetch("/api/auth/me/").then(r => r.text()).then(alert)', script),
        "picture.png": png(png_chunk(b"tEXt", b"Comment\x00<html><script>" + script
                                     + b"</script></html>")),
    }
    urls = {name: place(chapter_lab, name, content) for name, content in files.items()}
    with chromium(names.chromium_args()) as browser:
        context = browser.new_context(accept_downloads=True)
        page = context.new_page()
        page.goto(f"{HOST1}/api/auth/login/")
        signed_in = page.request.post(f"{HOST1}/api/auth/login/", data={
            "email": TEACHER_EMAIL, "password": TEACHER_PASSWORD},
            headers={"X-CSRFToken": next(c["value"] for c in context.cookies()
                                         if c["name"] == "csrftoken")})
        assert signed_in.ok, signed_in.text()
        shots = config.ROOT / "test-artifacts" / "04-media"
        shots.mkdir(parents=True, exist_ok=True)
        for name, url in urls.items():
            try:
                page.goto(url)
                page.screenshot(path=shots / f"{name}.png")  # what the teacher saw
            except Exception as err:  # a download aborts the navigation: nothing rendered
                assert "Download is starting" in str(err), err
            page.wait_for_timeout(500)
        ran = f"ran={token}"
        holds_for(lambda: media.requests_logged("host1", ran) == 0, 2, "no script to have run")

        # The control: the same script in a page of EduWorld's origin runs and is seen.
        page.goto(f"{HOST1}/api/auth/me/")
        page.evaluate(marker_script(token))
        wait_for(lambda: media.requests_logged("host1", ran) == 1, 5,
                 "the control script's request")
        context.close()


def test_an_upload_that_is_not_an_allowed_type_is_refused_with_the_reason(chapter_lab):
    """An SVG with a script, uploaded through nginx, is refused with a 400 that says why,
    and nothing of it reaches either host's disk."""
    teacher = chapter_lab.api("host1").sign_in()
    lesson = media.new_lesson(teacher)
    before = [media.media_tree(h) for h in config.HOSTS]
    response = media.upload(teacher, lesson, "drawing.svg", SVG_WITH_SCRIPT)
    assert response.status_code == 400
    assert "SVG images are not accepted" in response.json()["file"], response.text
    holds_for(lambda: [media.media_tree(h) for h in config.HOSTS] == before, 3,
              "both media folders to stay as they were")


# --8<-- [start:wrong-key]
def test_a_csync2_peer_with_the_wrong_key_is_refused_and_its_log_says_so(chapter_lab):
    """host2 with another key is refused by host1: its upload stays on host2, and its pass
    logs host1's answer. With the key put back, the file arrives."""
    chapter_lab.console("host2", "sh", "-c", "cp /etc/csync2.key_media /root/key.saved && "
                        "openssl rand -hex 32 > /etc/csync2.key_media")
    path = None
    try:
        since = chapter_lab.console("host2", "date", "+%Y-%m-%d %H:%M:%S").stdout.strip()
        teacher = chapter_lab.api("host2").sign_in()
        response = media.upload(teacher, media.new_lesson(teacher), "picture.png",
                                media.picture(uuid.uuid4().hex))
        assert response.status_code == 201, response.text
        path = media.media_path(response.json())

        def refusal_logged():
            journal = chapter_lab.console("host2", "journalctl", "-u", "eduworld-media-watch",
                                          "--since", since, "--no-pager").stdout
            return "Peer> Permission denied" in journal
        wait_for(refusal_logged, 10, "host2's pass to log that host1 refused it")
        assert media.on_disk("host1", path) is None, "host1 took a file from a wrong key"
    finally:
        chapter_lab.console("host2", "mv", "/root/key.saved", "/etc/csync2.key_media")
    wait_for(lambda: media.on_disk("host1", path), 30, f"{path} on host1 with the key back")


def test_only_the_peer_may_reach_csync2(chapter_lab):
    """csync2's port on host1 answers host2, and drops everyone else (this machine, here)."""
    reach = chapter_lab.console("host2", "timeout", "3", "bash", "-c",
                                f"echo > /dev/tcp/{config.ADDRESSES['host1']}/{media.PORT}",
                                check=False)
    assert reach.returncode == 0, reach.stderr
    with pytest.raises(OSError):
        socket.create_connection((config.ADDRESSES["host1"], media.PORT), timeout=3).close()
# --8<-- [end:wrong-key]


def test_a_second_run_of_the_chapter_4_playbook_changes_nothing_on_either_host(chapter_lab):
    """The chapter's playbook is idempotent: a second run changes nothing on either host."""
    assert control.reapply() == {"host1": 0, "host2": 0}
