"""The teacher's app in Chromium, as a teacher uses it (chapter 6).

Tests and the bench open the app on the front name, sign in with the demo teacher, open and
save lessons, and read what the app did from its test hook (window.eduworldApp, in
teacher/static/teacher/app.js): the host in use, every attempt its switching module made,
how often it switched host.
"""

import re
import time

from eduworld.core.demo_data import TEACHER_EMAIL, TEACHER_PASSWORD

from . import config, names
from .polling import wait_for

SWITCHING_JS = (config.ROOT / "code" / "eduworld" / "teacher" / "static" / "teacher"
                / "switching.js")


def setting(name):
    """A timing from switching.js (where the app's timing is set once), in seconds."""
    found = re.search(rf"export const {name} = (\d+);", SWITCHING_JS.read_text())
    return int(found.group(1)) / 1000


class App:
    hook = "window.eduworldApp"

    def __init__(self, browser, origin=names.FRONT_URL, viewport=None):
        self.context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800})
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda err: self.problems.append(str(err)))
        self.requests = []  # what the page asked for, with what came of it: for a failure
        self.page.on("requestfailed", lambda r: self.requests.append(f"{r.url} {r.failure}"))
        self.page.goto(origin + "/")
        try:
            wait_for(lambda: self.status() in ("signed out", "ready"), 15,
                     "the app to start and show its sign-in")
        except TimeoutError as err:
            raise AssertionError(f"{err}; status {self.status()!r}, page errors "
                                 f"{self.problems}, failed requests {self.requests}") from None

    def read(self, field):
        return self.page.evaluate(f"{self.hook}.{field}")

    def status(self):
        return self.page.evaluate(f"{self.hook} && {self.hook}.status")

    def sign_in(self, email=TEACHER_EMAIL, password=TEACHER_PASSWORD):
        # Exact: the app's other forms (hidden) have "email address" and "password" in a label.
        self.page.get_by_label("Email address", exact=True).fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        wait_for(lambda: self.status() == "ready", 15, "the app to sign the teacher in")
        return self

    def host(self):
        """The host the app sends its requests to now: host1 or host2."""
        return self.read("via")

    def switches(self):
        return self.read("switches")

    def log(self):
        return self.read("log")

    def go(self, fragment):
        self.page.evaluate(f"location.hash = {fragment!r}")

    # --- a lesson ---

    def open_lesson(self, lesson_id, timeout=15):
        """Open a lesson as a click in the tree would; the seconds until it is shown."""
        started = time.monotonic()
        if self.showing_lesson() == lesson_id:
            # Open already: from the curriculum, so that it is read anew and the wait below
            # is not met by what is on screen before.
            self.go("#/")
            wait_for(lambda: self.page.locator("#tree-view").is_visible(), timeout,
                     "the curriculum to be shown")
        self.go(f"#/node/{lesson_id}")
        try:
            wait_for(lambda: (self.read("lesson") or {}).get("id") == lesson_id
                     and self.page.locator("#lesson-view").is_visible(), timeout,
                     f"lesson {lesson_id} to be shown")
        except TimeoutError as err:
            raise AssertionError(f"{err}\n{self.describe()}") from None
        return time.monotonic() - started

    def describe(self):
        """What the page shows and did last: for a failure's message."""
        return (f"status {self.status()!r}, host {self.host()}, banner {self.banner()!r}, "
                f"errors {self.errors()}, page errors {self.problems}, "
                f"last attempts {self.log()[-6:]}")

    def showing_lesson(self):
        """The id of the lesson on screen, or None."""
        shown = self.page.locator("#lesson-view").is_visible()
        return shown and (self.read("lesson") or {}).get("id")

    def type_text(self, text):
        self.page.locator("#lesson-body").fill(text)

    def text(self):
        return self.page.locator("#lesson-body").input_value()

    def save(self, timeout=30):
        """Press Save; the seconds until the app says the lesson is saved."""
        started = time.monotonic()
        self.page.locator("#lesson-save").click()
        self.wait_until_saved(timeout)
        return time.monotonic() - started

    def wait_until_saved(self, timeout):
        wait_for(lambda: self.read("lesson")["state"] == "saved", timeout,
                 "the app to say the lesson is saved")

    # --- what the teacher sees ---

    def banner(self):
        """The banner's words while no host answers; '' when it is hidden."""
        banner = self.page.locator("#offline-banner")
        return banner.inner_text() if banner.is_visible() else ""

    def errors(self):
        """Every error message the page shows now."""
        shown = self.page.locator(".error:visible, .field-error:visible")
        return [text for text in shown.all_inner_texts() if text.strip()]

    def screenshot(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.evaluate("window.scrollTo(0, 0)")  # the page as it opens: its heading first
        self.page.screenshot(path=path)

    def close(self):
        self.context.close()


def on_host(browser, host, tries=30):
    """The app picks its first host at random: open it until it picked `host` (signed in)."""
    for _ in range(tries):
        app = App(browser)
        if app.host() == host:
            return app.sign_in()
        app.close()
    raise AssertionError(f"the app never picked {host} in {tries} starts")


def make_unit(title, lessons=2):
    """A subject > course > unit with `lessons` lessons, made through host1's API and waited
    for on host2: {"unit": id, "lessons": [ids]}."""
    from .client import Api

    api = Api("host1").sign_in()
    parent, made = None, {}
    for kind in ("subject", "course", "unit"):
        answer = api.post("/api/nodes/", {"kind": kind, "title": f"{title} ({kind})",
                                          "parent": parent}, idempotency_key=f"{title}-{kind}")
        answer.raise_for_status()
        parent = made[kind] = answer.json()["id"]
    ids = []
    for number in range(1, lessons + 1):
        answer = api.post("/api/nodes/", {"kind": "lesson", "title": f"{title}: lesson {number}",
                                          "parent": parent, "body": f"Lesson {number}."},
                          idempotency_key=f"{title}-lesson-{number}")
        answer.raise_for_status()
        ids.append(answer.json()["id"])
    other = Api("host2").sign_in()
    wait_for(lambda: all(other.get(f"/api/nodes/{i}/").status_code == 200 for i in ids), 10,
             "the lessons to reach host2")
    return {"unit": made["unit"], "lessons": ids}
