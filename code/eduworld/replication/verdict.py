"""The watcher's verdict on each subscription, in a file that /api/health/ reads.

A file under /run, not a table: the verdict is this host's own, about this host's watcher,
and must not travel to the other host (every table with a UUID or text key replicates).
systemd makes the folder when the watcher starts and removes it when the watcher stops
(RuntimeDirectory= in the replication role's unit), so a verdict is never older than the
watcher that wrote it; /run is memory, so the write every second costs no disk; and the
application's user may read it although only the watcher (postgres) may write it.
"""

import json
import os
import time
from pathlib import Path

STATE_FILE = Path("/run/replication-watch/verdict.json")
STALE_AFTER = 10.0  # the watcher writes every second; older than this, it is stuck


def write(verdicts, path=None, now=None):
    """Replace the file at once (write aside, then rename): a reader never sees half."""
    path = Path(path or STATE_FILE)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"written": time.time() if now is None else now,
                                   "subscriptions": verdicts}))
    os.replace(partial, path)


def read(subscription, path=None, now=None):
    """{state, reason, restarts} for one subscription; state "unknown" when no watcher
    reported it lately."""
    path = Path(path or STATE_FILE)
    try:
        report = json.loads(path.read_text())
    except FileNotFoundError:
        return unknown("the replication watcher is not running")
    except (OSError, ValueError) as err:
        return unknown(f"the watcher's report cannot be read: {err}")
    age = (time.time() if now is None else now) - report.get("written", 0)
    if age > STALE_AFTER:
        return unknown(f"the replication watcher has not reported for {age:.0f} s")
    found = report.get("subscriptions", {}).get(subscription)
    return found or unknown(f"the replication watcher does not know {subscription}")


def unknown(reason):
    return {"state": "unknown", "reason": reason, "restarts": None}
