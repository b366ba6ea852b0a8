"""The board's and the remote's pages in Chromium, as a teacher uses them (chapter 5).

Tests and the bench open a board on one host and a remote on the other, pair them by the
code on the board's screen, and read what each page did from its test hook
(window.eduworldBoard, window.eduworldRemote: boards/static/boards/*.js).
"""

import re

import requests

from eduworld.core.demo_data import TEACHER_EMAIL, TEACHER_PASSWORD

from . import realtime
from .polling import wait_for

CODE = re.compile(r"\b(\d{3}) ?(\d{3})\b")


def address(host, path):
    return realtime.origin(host) + path


class Page:
    hook = ""

    viewport = {"width": 1280, "height": 720}  # a classroom board, scaled down

    def __init__(self, browser, host, path):
        self.context = browser.new_context(viewport=self.viewport)
        self.page = self.context.new_page()
        self.problems = []
        self.page.on("pageerror", lambda err: self.problems.append(str(err)))
        self.page.goto(address(host, path))

    def read(self, field):
        return self.page.evaluate(f"{self.hook}.{field}")

    def screenshot(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=path)

    def close(self):
        self.context.close()


class Board(Page):
    """A classroom board: full screen on its host, showing its code until paired."""

    hook = "window.eduworldBoard"

    def __init__(self, browser, host):
        super().__init__(browser, host, "/board/")
        self.code = wait_for(self.shown_code, 10, "the board to show its pairing code")
        self.id = self.read("id")

    def shown_code(self):
        found = CODE.search(self.page.locator("#screen").inner_text())
        return found and found.group(1) + found.group(2)

    def wait_until_known_on(self, host):
        realtime.wait_until_board_on(host, self.id)

    def name(self):
        host = self.read("host") or "host1"
        return requests.get(address(host, f"/api/boards/{self.id}/"), timeout=5).json()["name"]

    def log(self):
        """The commands the board applied, in the order it applied them."""
        return self.read("log")

    def shows(self, command_id):
        return any(entry["id"] == command_id for entry in self.log())


class Remote(Page):
    """The teacher's phone: signed in on its host, paired by the board's code."""

    hook = "window.eduworldRemote"
    viewport = {"width": 390, "height": 844}  # a phone

    def __init__(self, browser, host, code=None, board_name=None):
        """Pair by the code on the board, or pick a board paired before by its name."""
        super().__init__(browser, host, "/remote/")
        self.page.get_by_label("Email address").fill(TEACHER_EMAIL)
        self.page.get_by_label("Password").fill(TEACHER_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        if code:
            self.page.get_by_label("The 6-digit code on the board").fill(code)
            self.page.get_by_role("button", name="Pair").click()
        else:
            self.page.get_by_role("button", name=board_name, exact=True).click()
        wait_for(lambda: self.read("status") == "connected" and self.read("lessons"), 10,
                 "the remote to be paired and connected")
        self.lessons = self.read("lessons")
        self.id = self.read("id")

    def show(self, lesson, part):
        """Send "show this part"; False when the remote is not connected (nothing sent)."""
        return self.page.evaluate(f"{self.hook}.show({lesson['id']!r}, {part})")

    def acked(self):
        return self.read("acked")

    # --8<-- [start:pressing]
    def start_pressing(self, count, gap_ms):
        """Press "show" count times in the page, gap_ms apart, through whatever happens: a
        press refused while reconnecting is pressed again later, as a teacher would."""
        self.page.evaluate("""([count, gap]) => {
            const remote = window.eduworldRemote, lesson = remote.lessons[0];
            const pause = () => new Promise((resume) => setTimeout(resume, gap));
            (async () => {
                for (let sent = 0; sent < count; await pause()) {
                    if (remote.show(lesson.id, sent % lesson.parts)) sent += 1;
                }
            })();
        }""", [count, gap_ms])
    # --8<-- [end:pressing]
