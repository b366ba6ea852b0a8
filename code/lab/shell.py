"""One way to run a command on this machine, and one way to print progress."""

import subprocess
import sys
import time


class LabError(Exception):
    """A failure the reader can act on: the message says what went wrong and what to do."""

    def __init__(self, message):
        super().__init__(f"eduworld-lab: {message}")


def run(*args, check=True, capture=False, quiet=False, **kwargs):
    command = [str(a) for a in args]
    result = subprocess.run(command, text=True, capture_output=capture or quiet, **kwargs)
    if check and result.returncode != 0:
        detail = ""
        if capture or quiet:
            detail = (result.stderr or result.stdout or "").strip()[-3000:]
        raise LabError(f"`{' '.join(command)}` failed ({result.returncode})\n{detail}")
    return result


def output(*args, **kwargs):
    return run(*args, capture=True, **kwargs).stdout.strip()


class step:
    """Prints `==> what` and, when done, how long it took: long steps show progress."""

    def __init__(self, what):
        self.what = what

    def __enter__(self):
        self.started = time.monotonic()
        print(f"==> {self.what}", file=sys.stderr, flush=True)
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            print(f"    done in {time.monotonic() - self.started:.1f} s", file=sys.stderr,
                  flush=True)
