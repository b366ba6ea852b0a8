"""Chapter 6's claims: the teacher's app keeps working when the host it uses dies, in Debian's
Chromium, driven by Playwright, with the teacher working in the app.

Scenario: chapter 6's playbook on host1 and host2. The app is loaded from the front name
(www.eduworld.test), picks a host at random and talks to it by name; each test faults the
host the app is using and checks what the teacher sees and what the hosts hold after.
"""

import uuid

import pytest

from lab import app as teacher_app
from lab import config, names
from lab.client import Api
from lab.polling import wait_for

pytestmark = [pytest.mark.lab, pytest.mark.browser]

SHOTS = config.ROOT / "test-artifacts" / "06-front-end-failover"
OTHER = {"host1": "host2", "host2": "host1"}

# --8<-- [start:bounds]
# The bounds come from switching.js, where the app's timing is set once. A read is sent to
# the other host HEDGE_AFTER after it went out: it completes within that plus a second for
# the answer and the page. A write is never hedged: it waits TIMEOUT on a silent host, then
# goes to the other one with the same Idempotency-Key.
HEDGE_AFTER = teacher_app.setting("HEDGE_AFTER_MS")
TIMEOUT = teacher_app.setting("TIMEOUT_MS")
READ_BOUND = HEDGE_AFTER + 1.0
WRITE_BOUND = TIMEOUT + 2.0
# With no host answering, the app asks again every PROBE_EVERY, each probe waiting at most
# PROBE_TIMEOUT per host: back within one round after the fault heals, plus the save.
RECOVERY_BOUND = (teacher_app.setting("PROBE_EVERY_MS")
                  + 2 * teacher_app.setting("PROBE_TIMEOUT_MS") + 2.0)
# --8<-- [end:bounds]



@pytest.fixture
def unit(chapter_lab):
    return teacher_app.make_unit(f"Failover {uuid.uuid4().hex[:8]}", lessons=3)


@pytest.fixture
def app(lab_browser):
    opened = teacher_app.App(lab_browser).sign_in()
    yield opened
    assert not opened.problems, f"the page threw: {opened.problems}"
    opened.close()


def switches_after(app, before):
    return app.switches() - before


def test_the_host_in_use_powered_off_the_next_action_succeeds_through_the_other(
        app, unit, faults):
    """Power off the app's host: the next lesson opens through the other host within the
    hedge bound, it saves there, and the teacher sees no error and is not asked to sign in."""
    first, second, _ = unit["lessons"]
    app.open_lesson(first)
    used, before = app.host(), app.switches()
    faults.poweroff(used)
    took = app.open_lesson(second)
    assert took < READ_BOUND, f"opening a lesson took {took:.2f} s after the power-off"
    app.type_text("Written after host went down.")
    app.save(timeout=5)
    assert app.host() == OTHER[used]
    assert app.status() == "ready" and not app.errors() and not app.banner()
    assert switches_after(app, before) == 1
    app.screenshot(SHOTS / "app-after-poweroff.png")


def test_the_cable_cut_a_read_completes_within_the_hedge_bound_a_write_within_timeout_and_retry(
        lab_browser, unit, faults):
    """Cut the cable of the host two apps use (packets vanish, nothing refuses): a read in
    one completes within HEDGE_AFTER + 1 s, a write in the other within TIMEOUT + 2 s, and
    each switched once."""
    reader = teacher_app.App(lab_browser).sign_in()
    writer = teacher_app.on_host(lab_browser, reader.host())
    try:
        first, second, third = unit["lessons"]
        reader.open_lesson(first)
        writer.open_lesson(third)
        writer.type_text("Saved while the cable is out.")
        used = reader.host()
        faults.cut(used)
        took_read = reader.open_lesson(second)
        took_write = writer.save(timeout=WRITE_BOUND + 5)
        assert took_read < READ_BOUND, f"the read took {took_read:.2f} s"
        assert took_write < WRITE_BOUND, f"the write took {took_write:.2f} s"
        assert reader.host() == writer.host() == OTHER[used]
        assert reader.switches() == 1 and writer.switches() == 1
        assert not reader.errors() and not writer.errors()
    finally:
        reader.close()
        writer.close()


def test_the_app_service_frozen_reads_stay_responsive_through_hedging(app, unit, faults):
    """Freeze gunicorn on the app's host (nginx still accepts, nothing answers): every read
    completes within the hedge bound."""
    app.open_lesson(unit["lessons"][0])
    used = app.host()
    faults.pause(used, "app")
    took = [app.open_lesson(lesson) for lesson in unit["lessons"] * 2]
    assert max(took) < READ_BOUND, f"reads took {[round(t, 2) for t in took]} s"
    assert app.host() == OTHER[used] and app.switches() == 1


def test_a_lesson_created_just_before_its_host_died_exists_once_on_both_hosts(
        chapter_lab, app, unit, faults):
    """The host commits a new lesson and dies before its answer arrives: the app hears
    nothing for TIMEOUT, sends the same request to the other host, and after the host
    returns both hold exactly one."""
    app.go(f"#/node/{unit['unit']}")
    wait_for(lambda: app.page.locator("#create-title").is_visible(), 10, "the unit's page")
    used, title = app.host(), f"Created as {app.host()} died {uuid.uuid4().hex[:6]}"
    died = []

    def commit_then_die(route):
        if route.request.method == "POST" and names.url(used) in route.request.url and not died:
            route.fetch()      # the host takes the request: the lesson is committed there...
            faults.poweroff(used)
            died.append(True)
        # ...and the app's own request goes to a host that is gone: no answer, no refusal.
        route.continue_()

    app.page.route("**/api/nodes/", commit_then_die)
    app.page.locator("#create-title").fill(title)
    app.page.locator("#create-button").click()
    wait_for(lambda: app.page.get_by_role("link", name=title).count() == 1, WRITE_BOUND,
             "the new lesson in the list")
    app.page.unroute("**/api/nodes/")
    assert died and app.host() == OTHER[used] and not app.errors()
    faults.boot(used)
    chapter_lab.wait_until_serving(used)
    chapter_lab.wait_until_identical(60)
    for host in config.HOSTS:
        sql = (f"SELECT count(*) FROM curriculum_node WHERE title = '{title}'")
        assert chapter_lab.sql(host, sql).strip() == "1", f"{host} does not hold exactly one"


def test_no_ping_pong_one_switch_per_fault_and_none_back(chapter_lab, app, unit, faults):
    """Power off the app's host, work, bring it back, work on: the app switched once and
    every attempt after the switch went to the other host."""
    lessons = unit["lessons"]
    app.open_lesson(lessons[0])
    used, before = app.host(), app.switches()
    faults.poweroff(used)
    for lesson in lessons:
        app.open_lesson(lesson)
    switched_at = len(app.log())
    faults.boot(used)
    chapter_lab.wait_until_serving(used)
    for lesson in lessons * 3:
        app.open_lesson(lesson)
    after = app.log()[switched_at:]
    assert switches_after(app, before) == 1
    assert {entry["host"] for entry in after} == {names.url(OTHER[used])}, after


def test_both_hosts_down_the_app_says_so_keeps_the_text_and_carries_on_by_itself(
        app, unit, faults):
    """Cut both cables while the teacher writes: the app says EduWorld cannot be reached,
    keeps the unsaved text, and saves it by itself when a host answers again."""
    lesson = unit["lessons"][0]
    app.open_lesson(lesson)
    text = f"Typed while both hosts were away {uuid.uuid4().hex[:6]}."
    for host in config.HOSTS:
        faults.cut(host)
    app.type_text(text)
    app.page.locator("#lesson-save").click()
    wait_for(lambda: "cannot be reached" in app.banner(), 2 * TIMEOUT + 5,
             "the banner saying EduWorld cannot be reached")
    assert app.text() == text
    assert lesson in app.read("drafts")
    app.screenshot(SHOTS / "app-unreachable.png")
    faults.heal()
    healed = wait_for(lambda: app.read("lesson")["state"] == "saved" and not app.banner(),
                      RECOVERY_BOUND, "the app to save by itself and hide the banner")
    assert healed
    for host in config.HOSTS:
        wait_for(lambda h=host: Api(h).sign_in().get(f"/api/nodes/{lesson}/").json()["body"]
                 == text, 10, f"the saved text on {host}")


def test_a_session_made_on_one_host_is_accepted_by_the_other(app):
    """The session cookie lives on eduworld.test: the other host takes it."""
    cookies = {c["name"]: c for c in app.context.cookies()}
    assert cookies["sessionid"]["domain"].lstrip(".") == "eduworld.test"
    other = names.url(OTHER[app.host()])
    me = app.page.evaluate(
        "url => fetch(url + '/api/auth/me/', {credentials: 'include'})"
        ".then(r => r.json().then(body => [r.status, body.email]))", other)
    assert me == [200, "teacher@eduworld.test"]
    # The book's picture of the app: a demo lesson open in the editor.
    found = Api("host1").sign_in().get("/api/search/", q="Clouds and rain").json()
    app.open_lesson(found["results"][0]["id"])
    app.screenshot(SHOTS / "app.png")
