"""What the replication watcher does about one subscription, and what it calls its state.

A pure function: what the watcher remembers and what it sees now go in; what it remembers
next, and whether to restart the subscription, come out. No clock, database or log is read
here (watch.py does that), so every branch is tested without a lab.

The states, as /api/health/ reports them:

ok            replicating, and applying what the peer sends.
restarting    down or stalled, and the watcher restarts it, waiting longer after each try;
              or the peer does not answer, and the watcher restarts it when it does.
broken        restarts did not help, or cannot (the peer lost this host's slot): a person
              must look. The watcher stops restarting; the reason says why.
disabled      an operator disabled it: left alone.
initializing  copying the peer's data (a join), or pglogical says "unknown": left alone.
"""

from dataclasses import dataclass, replace

OK, RESTARTING, BROKEN = "ok", "restarting", "broken"
DISABLED, INITIALIZING = "disabled", "initializing"

DOWN_GRACE = 1.0              # pglogical may say "down" this long before a restart
STALL_AFTER = 10.0            # nothing applied this long while the peer has newer heartbeats
FIRST_BACKOFF = 2.0           # the wait after the first restart; it doubles after each
MAX_BACKOFF = 60.0
RESTARTS_BEFORE_BROKEN = 4    # restarts without progress, within WINDOW: then broken
WINDOW = 600.0


@dataclass(frozen=True)
class Seen:
    """One look at one subscription."""

    status: str                      # pglogical's: replicating, down, disabled, initializing,
    #                                  unknown
    peer: str                        # the provider's node name
    slot: str                        # the subscription's replication slot, on the peer
    peer_answers: bool               # the peer's PostgreSQL accepts connections
    applied_beat: object = None      # the peer's heartbeat as applied here
    remote_lsn: object = None        # how far this host applied the peer's changes
    peer_beat: object = None         # the peer's heartbeat, read on the peer; None: unknown
    peer_slot: str | None = None     # on the peer: "ok", "missing", "lost"; None: unknown
    busy: bool = False               # the apply worker is inside a transaction now
    last_error: str | None = None    # the apply worker's last error in this host's log


@dataclass(frozen=True)
class Memory:
    """What the watcher remembers about one subscription between looks."""

    state: str = OK
    reason: str = ""
    restarts: tuple = ()             # when it restarted it, since the subscription last applied
    next_restart: float = 0.0        # no restart before this (back-off)
    down_since: float | None = None
    progress: tuple | None = None    # (applied_beat, remote_lsn) when last seen
    progress_at: float = 0.0         # when that last changed
    peer_away: bool = False


def backoff(restarts):
    """The wait after the n-th restart: 2 s, 4 s, 8 s, ... up to MAX_BACKOFF."""
    return min(FIRST_BACKOFF * 2 ** (restarts - 1), MAX_BACKOFF)


# --8<-- [start:decide]
def decide(was, seen, now):
    """(what to remember, whether to restart now), from what was remembered and what is seen.

    `now` is this host's monotonic clock. Progress is judged by this host alone: its own
    apply position, and the peer's heartbeat row as applied here. The peer's heartbeat as
    read on the peer is compared for equality only (is there something newer to apply?),
    never subtracted from this host's clock.
    """
    position = (seen.applied_beat, seen.remote_lsn)
    applied = was.progress is not None and position != was.progress
    down_since = None
    if seen.status == "down":
        down_since = now if was.down_since is None else was.down_since
    memory = replace(was, peer_away=not seen.peer_answers, down_since=down_since)
    if applied or was.progress is None:
        memory = replace(memory, progress=position, progress_at=now)
    if applied:
        memory = replace(memory, restarts=())  # it applies again: the restarts worked

    def verdict(state, reason, restart=False, **changes):
        return replace(memory, state=state, reason=reason, **changes), restart

    if seen.status == "disabled":
        return verdict(DISABLED, "disabled by an operator: left alone", restarts=(),
                       next_restart=0.0)
    if seen.status == "initializing":
        return verdict(INITIALIZING, f"copying {seen.peer}'s data: left alone", restarts=(),
                       next_restart=0.0)
    if seen.status == "unknown":
        return verdict(INITIALIZING, "pglogical reports its status as unknown: left alone",
                       restarts=(), next_restart=0.0)
    if seen.peer_slot == "missing":
        return verdict(BROKEN, f"replication slot {seen.slot} does not exist on {seen.peer}: "
                               f"this host must join {seen.peer} again")
    if seen.peer_slot == "lost":
        return verdict(BROKEN, f"replication slot {seen.slot} on {seen.peer} lost WAL this host "
                               f"had not applied (max_slot_wal_keep_size): join again")
    if was.state == BROKEN and not applied:
        return verdict(BROKEN, was.reason)
    if not seen.peer_answers:
        return verdict(RESTARTING, f"{seen.peer} does not answer: restart when it does")
    if was.peer_away:
        # A peer that died hard left a worker here waiting on a dead connection, and
        # pglogical's own retry may sleep for minutes: restart now, or once the last
        # restart has had its wait (a flapping peer).
        restarts = tuple(t for t in memory.restarts if now - t < WINDOW)
        if now < memory.next_restart:  # remember the peer was away: restart after the wait
            return verdict(RESTARTING, f"{seen.peer} answers again: restart after the back-off",
                           restarts=restarts, peer_away=True)
        restarts = (*restarts, now)
        return verdict(RESTARTING, f"{seen.peer} answers again", True, restarts=restarts,
                       next_restart=now + backoff(len(restarts)))

    behind = seen.peer_beat is not None and seen.peer_beat != seen.applied_beat
    # A restart gets STALL_AFTER to show progress before it counts as stalled again.
    idle_since = max([memory.progress_at, *memory.restarts[-1:]])
    if seen.status == "down" and now - memory.down_since >= DOWN_GRACE:
        why = f"down for {now - memory.down_since:.0f} s"
    elif (seen.status == "replicating" and behind and not seen.busy
          and now - idle_since >= STALL_AFTER):
        why = (f"applied nothing for {now - memory.progress_at:.0f} s "
               f"while {seen.peer} has newer heartbeats")
    elif seen.status == "replicating":
        if behind and memory.restarts:
            return verdict(RESTARTING, "restarted; waiting for it to apply")
        return verdict(OK, "")
    else:
        return verdict(was.state, was.reason)  # down, for less than DOWN_GRACE so far

    restarts = tuple(t for t in memory.restarts if now - t < WINDOW)
    if now < memory.next_restart:  # the last restart still has time to work
        return verdict(RESTARTING, why, restarts=restarts)
    if len(restarts) >= RESTARTS_BEFORE_BROKEN:
        error = f"; last error: {seen.last_error}" if seen.last_error else ""
        return verdict(BROKEN, f"{why}; {len(restarts)} restarts did not help{error}",
                       restarts=restarts)
    restarts = (*restarts, now)
    return verdict(RESTARTING, why, True, restarts=restarts,
                   next_restart=now + backoff(len(restarts)))
# --8<-- [end:decide]
