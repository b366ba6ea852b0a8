"""The teacher's app (teacher/static/teacher/, chapter 6) in Chromium, against the real
application (pytest-django's live server on the throwaway PostgreSQL), as production serves
it: the page from www.eduworld.test, its requests to host1 and host2.eduworld.test, with the
session and CSRF cookies on the root domain and CORS between them.

All three names lead to the one live server (Chromium's host resolver maps *.eduworld.test to
127.0.0.1), so "both hosts" share one database: a pair that replicates at once. The page and
/app/hosts.json are served as nginx serves them (routes in the browser); the rest by Django.
"""

import json
import os
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from book.browser import chromium
from eduworld.accounts.models import Invitation
from eduworld.boards.models import Board
from eduworld.curriculum.models import Node
from eduworld.mail.models import Delivery, Mail

from .conftest import PASSWORD
from .samples import png

pytestmark = pytest.mark.browser

CODE = Path(__file__).resolve().parents[1]
PARTYSOCKET = CODE.parent / "node_modules" / "partysocket" / "dist" / "ws.js"
RESOLVE = "--host-resolver-rules=MAP *.eduworld.test 127.0.0.1"
API = re.compile(r"^http://host[12]\.eduworld\.test:\d+/api/")


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop in this thread, and Django then refuses the
    # test's own (synchronous) queries: they are safe here, nothing else runs in the thread.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "1"
    try:
        with chromium([RESOLVE]) as browser:
            yield browser
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE")
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


class Site:
    def __init__(self, port):
        self.www = f"http://www.eduworld.test:{port}"
        self.hosts = [f"http://host1.eduworld.test:{port}", f"http://host2.eduworld.test:{port}"]


@pytest.fixture
def site(live_server, settings, media_root, teacher):
    """The deployment's settings for the app (the Ansible role `app` renders the same)."""
    found = Site(urlparse(live_server.url).port)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ".eduworld.test"]
    settings.CORS_ALLOWED_ORIGINS = settings.CSRF_TRUSTED_ORIGINS = [found.www]
    settings.SESSION_COOKIE_DOMAIN = settings.CSRF_COOKIE_DOMAIN = "eduworld.test"
    return found


def serve_as_nginx(context, site):
    """/ is the app's index.html (from the live server's static files, so that the page's
    address is as private as the API's: Chromium blocks a public page calling loopback), and
    /app/hosts.json names both hosts."""
    context.route(f"{site.www}/", lambda route: route.continue_(
        url=f"{site.www}/static/teacher/index.html"))
    context.route(f"{site.www}/app/hosts.json", lambda route: route.fulfill(
        content_type="application/json", body=json.dumps({"api": site.hosts})))


@pytest.fixture
def context(browser, site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    serve_as_nginx(context, site)
    # Installed beside the static files by the role `realtime` (no CDN, no collectstatic).
    context.route("**/static/vendor/partysocket/ws.js", lambda route: route.fulfill(
        path=PARTYSOCKET, content_type="text/javascript"))
    context.errors = []
    context.on("weberror", lambda error: context.errors.append(str(error.error)))
    context.writes = []  # (method, url, Idempotency-Key, X-CSRFToken) of every API write
    context.on("request", lambda request: API.match(request.url) and request.method not in (
        "GET", "OPTIONS") and context.writes.append((
            request.method, request.url, request.headers.get("idempotency-key"),
            request.headers.get("x-csrftoken"))))
    yield context
    context.close()


def open_app(context, site):
    page = context.new_page()
    page.on("pageerror", lambda err: context.errors.append(str(err)))
    page.goto(site.www + "/")
    return page


def app(page, field):
    return page.evaluate(f"window.eduworldApp.{field}")


def sign_in(page, password=PASSWORD):
    # Exact: other forms on the page (hidden) have "email address" and "password" in a label.
    page.get_by_label("Email address", exact=True).fill("anna@school.test")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def add(page, title):
    page.locator("#create-title").fill(title)
    page.locator("#create-button").click()
    link = page.locator("#nodes .node-link", has_text=title)
    expect(link).to_be_visible()
    return link


def enter(page, link, title):
    """Open a node from a list, and wait until its page is shown."""
    link.click()
    expect(page.locator("h1:visible")).to_contain_text(f": {title}")


def lesson_path(page):
    """subject Science > course Water > unit Weather > lesson Clouds; opens the lesson."""
    for title in ("Science", "Water", "Weather", "Clouds"):
        enter(page, add(page, title), title)
    expect(page.locator("#lesson-view")).to_be_visible()
    return Node.objects.get(title="Clouds")


def test_a_teacher_builds_writes_and_finds_a_lesson(context, site):
    page = open_app(context, site)
    expect(page.locator("#signin-view")).to_be_visible()
    assert app(page, "status") == "signed out"

    sign_in(page, "not the password")
    expect(page.locator("#signin-error")).to_have_text("Wrong email address or password.")
    sign_in(page)
    expect(page.locator("#tree-view")).to_be_visible()
    expect(page.locator("#tree-heading")).to_have_text("Your curriculum")
    assert app(page, "status") == "ready" and app(page, "me") == "anna@school.test"
    assert app(page, "host") in site.hosts
    expect(page.locator("#via")).to_have_text(re.compile(r"^via host[12]$"))

    lesson = lesson_path(page)
    expect(page.locator("#lesson-state")).to_have_text("All changes saved.")
    page.get_by_label("Tags, separated by commas").fill("weather, water cycle")
    page.get_by_label("Lesson text").fill("Clouds form when rising air cools.")
    expect(page.locator("#lesson-state")).to_contain_text("Unsaved changes")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#lesson-state")).to_have_text("All changes saved.")
    lesson.refresh_from_db()
    assert lesson.body == "Clouds form when rising air cools."
    assert lesson.tags == ["weather", "water cycle"]
    assert app(page, "drafts") == []

    # An error the API returns, in words, under its field; the text is kept.
    page.get_by_label("Title", exact=True).fill("x" * 201)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#lesson-title-error")).to_contain_text("no more than 200 characters")
    expect(page.locator("#lesson-title")).to_have_attribute("aria-invalid", "true")
    assert app(page, "drafts") == [str(lesson.id)]
    page.get_by_label("Title", exact=True).fill("Clouds")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#lesson-state")).to_have_text("All changes saved.")
    expect(page.locator("#lesson-title-error")).to_be_empty()

    # Media: an image uploaded to the lesson, listed with a link.
    page.get_by_label(re.compile("^File to add")).set_input_files(
        {"name": "cloud.png", "mimeType": "image/png", "buffer": png()})
    page.get_by_role("button", name="Upload").click()
    media = page.locator("#media-list a", has_text="cloud.png")
    expect(media).to_be_visible()
    assert re.match(r"^http://host[12]\.eduworld\.test:\d+/media/", media.get_attribute("href"))

    # Rename the unit, from its course's list.
    enter(page, page.locator("#lesson-crumbs a", has_text="Water"), "Water")
    page.get_by_role("button", name="Rename Weather").click()
    page.get_by_label("New title").fill("Rain and clouds")
    page.locator("#rename-confirm").click()
    expect(page.locator("#nodes .node-link", has_text="Rain and clouds")).to_be_focused()
    expect(page.locator("#status")).to_have_text("Renamed to “Rain and clouds”.")

    # Move the lesson to another unit.
    add(page, "Wind")
    enter(page, page.locator("#nodes .node-link", has_text="Rain and clouds"), "Rain and clouds")
    page.get_by_role("button", name="Move Clouds").click()
    page.get_by_label("Move under").select_option(label="Wind (in Water)")
    page.locator("#move-confirm").click()
    expect(page.locator("#nodes .node-link", has_text="Clouds")).to_have_count(0)
    assert Node.objects.get(pk=Node.objects.get(pk=lesson.pk).find_parent_id()).title == "Wind"

    # Delete, after a confirmation (Cancel first: nothing happens).
    add(page, "Spare lesson")
    page.get_by_role("button", name="Delete Spare lesson").click()
    expect(page.locator("#delete-dialog")).to_be_visible()
    page.locator("#delete-dialog").get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("button", name="Delete Spare lesson")).to_be_focused()
    page.get_by_role("button", name="Delete Spare lesson").click()
    page.locator("#delete-confirm").click()
    expect(page.locator("#nodes .node-link", has_text="Spare lesson")).to_have_count(0)
    assert not Node.objects.filter(title="Spare lesson").exists()

    # Search finds the lesson by a word of its text (stemmed: "rising" for "rise").
    page.get_by_role("link", name="Search").click()
    page.get_by_label(re.compile("^Words to look for")).fill("rise")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.locator("#search-results .node-link", has_text="Clouds")).to_be_visible()
    enter(page, page.locator("#search-results .node-link", has_text="Clouds"), "Clouds")
    expect(page.locator("#lesson-body")).to_have_value("Clouds form when rising air cools.")

    # Every write carried an Idempotency-Key and the CSRF token; all went through Hosts.
    assert context.writes and all(key and token for _, _, key, token in context.writes)
    requests_by_key = {}
    for method, url, key, _ in context.writes:
        requests_by_key.setdefault(key, set()).add((method, urlparse(url).path))
    assert all(len(requests) == 1 for requests in requests_by_key.values())
    assert {entry["host"] for entry in app(page, "log")} <= set(site.hosts)

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#signin-view")).to_be_visible()
    expect(page.locator("#email")).to_be_focused()
    assert app(page, "status") == "signed out" and app(page, "me") is None
    assert context.errors == []


def test_unsaved_text_survives_a_reload_a_host_down_and_both_down(context, site, teacher):
    page = open_app(context, site)
    sign_in(page)
    lesson = lesson_path(page)

    # A reload: the text typed and not saved is still there.
    page.get_by_label("Lesson text").fill("Cumulus, stratus")
    page.reload()
    expect(page.locator("#lesson-body")).to_have_value("Cumulus, stratus")
    expect(page.locator("#lesson-state")).to_contain_text("Unsaved changes")

    # The host in use stops answering: the save goes to the other one, still signed in.
    first = app(page, "host")
    page.route(re.compile("^" + re.escape(first) + "/api/"), lambda route: route.abort())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#lesson-state")).to_have_text("All changes saved.")
    second = app(page, "host")
    assert second != first and app(page, "switches") >= 1
    expect(page.locator("#via")).to_have_text("via " + urlparse(second).hostname.split(".")[0])
    # The same write, tried on each host: one key.
    saves = [(url, key) for method, url, key, _ in context.writes if method == "PATCH"]
    assert [url.split("/api/")[0] for url, _ in saves] == [first, second]
    assert saves[0][1] == saves[1][1]
    lesson.refresh_from_db()
    assert lesson.body == "Cumulus, stratus"
    page.unroute(re.compile("^" + re.escape(first) + "/api/"))

    # Both down: the banner says so, the text is kept, and the save goes by itself later.
    page.route(API, lambda route: route.abort())
    page.get_by_label("Lesson text").fill("Cumulus, stratus, cirrus")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("#offline-banner")).to_be_visible()
    expect(page.locator("#offline-banner")).to_contain_text(
        "EduWorld cannot be reached at the moment")
    expect(page.locator("#lesson-state")).to_contain_text("waiting")
    assert app(page, "status") == "unreachable"
    assert app(page, "waiting") == [f"save:{lesson.id}"]
    assert page.evaluate(f"localStorage.getItem('eduworld.draft.{teacher.id}.{lesson.id}')")
    page.get_by_label("Lesson text").press("End")
    page.keyboard.type(", nimbus")  # typed while waiting: saved with the rest
    page.unroute(API)
    expect(page.locator("#offline-banner")).to_be_hidden(timeout=10000)
    expect(page.locator("#lesson-state")).to_have_text("All changes saved.")
    expect(page.locator("#signin-view")).to_be_hidden()
    lesson.refresh_from_db()
    assert lesson.body == "Cumulus, stratus, cirrus, nimbus"
    assert app(page, "status") == "ready" and app(page, "drafts") == []
    outcomes = {entry["outcome"] for entry in app(page, "log")}
    assert {"refused", "answered"} <= outcomes
    assert context.errors == []


def test_every_error_the_api_returns_is_told_in_words(context, site):
    page = open_app(context, site)
    expect(page.locator("#signin-view")).to_be_visible()
    told = page.evaluate("""async () => {
        const { explain } = await import("/static/teacher/words.js");
        const say = (status, data, labels) => explain({ status, data }, labels);
        return {
            signIn: say(403, { detail: "Authentication credentials were not provided." }),
            csrf: say(403, { detail: "This request was refused as a possible forgery (CSRF)." }),
            notYours: say(403, { detail: "Only the teacher who owns this can change it." }),
            gone: say(404, { detail: "Not found." }),
            tooLarge: say(413, { detail: "The file is too large. The limit is 10485760 bytes." }),
            nginx413: say(413, null),
            wait: say(429, { detail: "Too many failed sign-ins: try again in 42 s." }),
            fields: say(400, { title: ["Ensure this field has no more than 200 characters."],
                               parent: ["A unit hangs under a course, not under a subject."] },
                        { title: "Title" }),
            crash: say(500, null),
            none: explain({ status: 0, unreachable: true, data: null }),
        };
    }""")
    assert told["signIn"]["signIn"] and told["csrf"]["signIn"]
    assert "sign in again" in told["signIn"]["message"]
    assert not told["notYours"]["signIn"]
    assert told["notYours"]["message"].startswith("Only the teacher who owns")
    assert "deleted" in told["gone"]["message"]
    assert told["tooLarge"]["message"] == "This file is too large to upload: the limit is 10 MB."
    assert told["nginx413"]["message"] == "This file is too large to upload."
    assert told["wait"]["message"] == "Too many attempts. Please wait 42 seconds and try again."
    assert told["fields"]["fields"] == {
        "title": "Ensure this field has no more than 200 characters."}
    assert told["fields"]["message"] == "Parent: A unit hangs under a course, not under a subject."
    assert "try again in a moment" in told["crash"]["message"]
    assert told["none"]["unreachable"]
    assert told["none"]["message"].startswith("EduWorld cannot be reached at the moment.")


def test_a_phone_width_page_with_labels_and_landmarks(browser, site):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        serve_as_nginx(context, site)
        page = context.new_page()
        page.goto(site.www + "/")

        def no_sideways_scroll():
            width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
            assert width[0] <= width[1], width

        expect(page.locator("#signin-view")).to_be_visible()
        no_sideways_scroll()
        sign_in(page)
        add(page, "A subject with a rather long title that has to wrap on a small phone screen")
        no_sideways_scroll()
        lesson_path(page)
        no_sideways_scroll()
        page.get_by_role("link", name="Colleagues").click()
        page.get_by_label("Your colleague’s email address").fill(
            "a.colleague.with.a.rather.long.address@a-school-with-a-long-name.test")
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.locator("#invitations li")).to_have_count(1)
        no_sideways_scroll()

        fields = "input, select, textarea"
        unlabelled = page.evaluate("""(fields) => [...document.querySelectorAll(fields)]
            .filter((field) => !field.labels.length && !field.getAttribute('aria-label'))
            .map((field) => field.id || field.outerHTML)""", fields)
        assert unlabelled == []
        nameless = page.evaluate("""() => [...document.querySelectorAll('button, a')]
            .filter((node) => !(node.getAttribute('aria-label') || node.textContent.trim()))
            .filter((node) => !node.closest('[hidden]'))
            .map((node) => node.outerHTML)""")
        assert nameless == []
        for role in ("banner", "navigation", "main", "contentinfo", "status"):
            assert page.get_by_role(role).count() >= 1, role
    finally:
        context.close()


def test_the_board_remote_in_the_app_and_on_its_own_page(context, site):
    """The remote's control (boards/remote-control.js) mounted by the app and by remote.html:
    both pair a board by its code and open the board's link (no realtime service runs
    here, so the link keeps trying; chapter 5's lab tests cover the rest)."""
    room = Board.create_with_code("Room 12")
    page = open_app(context, site)
    sign_in(page)
    expect(page.locator("#tree-view")).to_be_visible()
    page.get_by_role("link", name="Board remote").click()
    page.get_by_label("The 6-digit code on the board").fill(room.code)
    page.get_by_role("button", name="Pair").click()
    expect(page.locator("#remote-board-name")).to_have_text("Room 12")
    expect(page.locator("#remote-control")).to_be_visible()
    # The link starts (and, with no realtime service here, keeps trying).
    page.wait_for_function("window.eduworldApp.remote.status.endsWith('connecting')")
    for name in ("Previous", "Blank", "Next"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()

    other = Board.create_with_code("Room 14")
    remote = context.new_page()
    remote.goto(site.hosts[0] + "/static/boards/remote.html")
    # Signed in already: the session cookie is the root domain's.
    remote.get_by_label("The 6-digit code on the board").fill(other.code)
    remote.get_by_role("button", name="Pair").click()
    expect(remote.locator("#board-name")).to_have_text("Room 14")
    assert re.match(r"^[0-9a-f-]{36}$", remote.evaluate("window.eduworldRemote.id"))
    remote.get_by_role("button", name="Another board").click()
    expect(remote.get_by_role("button", name="Room 12")).to_be_visible()
    assert context.errors == []


# --- Chapter 7: colleagues invited by mail, and a forgotten password ---


def mail_link(mail, kind):
    """The link's #fragment in a mail's text: the app's view that the link leads to."""
    found = re.search(rf"#({kind}/\S+)", mail.text)
    assert found, mail.text
    return found.group(1)


def invite(page, email, language=None):
    page.get_by_label("Your colleague’s email address").fill(email)
    if language:
        page.get_by_label("Language of the mail").select_option(label=language)
    page.get_by_role("button", name="Send the invitation").click()
    return page.locator("#invitations li", has_text=email).locator(".mail-state")


def test_an_invitation_is_listed_with_what_became_of_its_mail(context, site):
    page = open_app(context, site)
    sign_in(page)
    page.get_by_role("link", name="Colleagues").click()
    expect(page.locator("#colleagues-heading")).to_be_focused()
    state = invite(page, "carla@school.test")
    expect(state).to_have_text("The mail is waiting to be sent.")
    mail = Mail.objects.get(to="carla@school.test")
    assert mail.language == "nl"  # Dutch unless the teacher picks English
    assert app(page, "refreshing")

    # The sender tries, fails once, and then the mail goes: the list follows by itself.
    Delivery.objects.create(mail=mail, host="host1", provider="smtp", outcome="failed")
    expect(state).to_contain_text("the mail service is slow, EduWorld keeps trying",
                                  timeout=10000)
    Delivery.objects.create(mail=mail, host="host1", provider="smtp", outcome="sent")
    expect(state).to_have_text("The mail was sent.", timeout=10000)
    expect(page.locator("#status")).to_have_text(
        "Invitation to carla@school.test: The mail was sent.")
    page.wait_for_function("!window.eduworldApp.refreshing")  # nothing waits: no more asking
    assert context.errors == []


def test_a_refused_mail_and_a_refused_invitation_are_told_in_words(context, site):
    page = open_app(context, site)
    sign_in(page)
    page.get_by_role("link", name="Colleagues").click()
    state = invite(page, "dirk@school.test", "English")
    expect(state).to_have_text("The mail is waiting to be sent.")
    mail = Mail.objects.get(to="dirk@school.test")
    assert mail.language == "en"
    Delivery.objects.create(mail=mail, host="host2", provider="api", outcome="rejected",
                            reason="550 No such mailbox.")
    expect(state).to_have_text("The mail could not be delivered: 550 No such mailbox. "
                               "Check the address, and invite again.", timeout=10000)

    invite(page, "anna@school.test")
    expect(page.locator("#invite-email-error")).to_have_text(
        "This colleague already has an account.")
    expect(page.locator("#invite-email")).to_be_focused()
    assert Invitation.objects.count() == 1


def test_a_forgotten_password_is_mailed_and_its_link_sets_a_new_one(context, site, teacher):
    page = open_app(context, site)
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("The email address you sign in with").fill("anna@school.test")
    page.get_by_role("button", name="Mail me a link").click()
    expect(page.locator("#forgot-done")).to_have_text(
        "If this address has an account, a mail with a link to choose a new password is on "
        "its way.")
    mail = Mail.objects.get(kind="password-reset")
    assert mail.to == "anna@school.test"

    page.goto(f"{site.www}/#{mail_link(mail, 'reset')}")
    expect(page.locator("#reset-heading")).to_be_focused()
    assert app(page, "status") == "signed out"
    page.get_by_label("New password", exact=True).fill("a much newer secret")
    page.get_by_label("The new password again", exact=True).fill("a much newer secret")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#signin-view")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Your new password is set. Sign in with it.")
    assert page.evaluate("location.hash") == "#/"
    sign_in(page, "a much newer secret")
    expect(page.locator("#tree-view")).to_be_visible()
    teacher.refresh_from_db()
    assert teacher.check_password("a much newer secret")

    # The link is used up: said in words, with the way to a new one.
    page.goto(f"{site.www}/#{mail_link(mail, 'reset')}")
    page.get_by_label("New password", exact=True).fill("and yet another one")
    page.get_by_label("The new password again", exact=True).fill("and yet another one")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#reset-error")).to_have_text(
        "This link is not valid (any more): ask for a new one.")
    assert context.errors == []


def test_the_invitation_link_makes_the_account_and_signs_the_colleague_in(context, site, api):
    answer = api.post("/api/invitations/", {"email": "carla@school.test"}, format="json")
    assert answer.status_code == 201, answer.content
    page = open_app(context, site)
    expect(page.locator("#signin-view")).to_be_visible()
    page.goto(f"{site.www}/#{mail_link(Mail.objects.get(), 'join')}")
    expect(page.locator("#join-heading")).to_be_focused()

    # Two passwords that differ: refused in the page, nothing is sent.
    page.get_by_label("Your name, as your colleagues see it").fill("Carla")
    page.get_by_label("Choose a password", exact=True).fill("a secret of my own")
    page.get_by_label("The password again", exact=True).fill("a secret of my owm")
    page.get_by_role("button", name="Join EduWorld").click()
    expect(page.locator("#join-repeat-error")).to_have_text(
        "The two passwords are not the same. Please type it again.")
    expect(page.locator("#join-repeat")).to_be_focused()
    assert not [url for _, url, _, _ in context.writes if url.endswith("/accept/")]

    page.get_by_label("The password again", exact=True).fill("a secret of my own")
    page.get_by_role("button", name="Join EduWorld").click()
    expect(page.locator("#tree-view")).to_be_visible()
    assert app(page, "status") == "ready" and app(page, "me") == "carla@school.test"
    expect(page.locator("#who")).to_have_text("Signed in as Carla")
    assert page.evaluate("location.hash") == "#/"
    assert context.errors == []
