"""The one polling helper: every claim in the book is a bounded, polled condition."""

import time


def wait_for(condition, timeout, what, interval=0.1):
    """Return condition()'s first truthy value within `timeout` seconds, or fail saying what.

    The failure names what was expected and the last value (or error) that was seen.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = condition()
            if last:
                return last
        except Exception as err:  # a condition may fail while the thing it polls starts up
            last = err
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout} s for {what}; last seen: {last!r}")
        time.sleep(interval)


def holds_for(condition, duration, what, interval=0.1):
    """Check that condition() stays truthy for `duration` seconds: proof that something did
    NOT happen (a row that must not appear, a host that must stay up)."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        value = condition()
        if not value:
            raise AssertionError(f"expected {what} for {duration} s; it stopped: {value!r}")
        time.sleep(interval)
