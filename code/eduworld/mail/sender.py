"""The sender: one per host, sending the mails its own host wrote.

Why not one queue that both hosts' senders take turns on? `SELECT ... FOR UPDATE SKIP
LOCKED` locks a row on this host's database only: the other host never sees the lock, so
two senders taking from one queue would send the same mail twice, every time. Instead each
mail belongs to the host that wrote it (Mail.host), and only that host's sender sends it.

When a host dies, its mails wait until its peer is sure it is gone: the peer watches the
host's lease (SenderLease.beat, counted up once a second) and takes over the host's mails
when the beat has not moved for `lease_seconds`, by the peer's own clock. It looks again
before each of those mails, and stops at the first sign of life. The host, back (or
thawed after a freeze longer than the lease), sends nothing of its own until the peer has
answered its new beat: that answer comes after the peer's last takeover, so by then this
host knows every mail the peer sent for it.

A host that is alive but cut off from its peer looks dead all the same: both then send its
unsent mails, and those duplicates carry the same Message-ID. That gap cannot be closed,
only bounded.
"""

import json
import logging
import signal
import threading
import time

import psycopg
from django.conf import settings
from django.db import connection, transaction

from .breaker import Breaker
from .models import Delivery, Mail, SenderLease
from .outbox import CHANNEL
from .providers import Failed, Rejected, from_config

log = logging.getLogger("eduworld.mail")

REST_SECONDS = (10, 20, 40, 60)  # a mail no provider took waits this long, then longer


class Watch:
    """Whether another host's sender is alive: its beat moved within the lease."""

    def __init__(self, lease_seconds, clock=time.monotonic):
        self.lease, self.clock = lease_seconds, clock
        self.seen = {}  # host -> (beat, when it last changed, by our clock)

    def gone(self, host, beat):
        last = self.seen.get(host)
        if last is None or last[0] != beat:
            self.seen[host] = (beat, self.clock())
            return False
        return self.clock() - last[1] >= self.lease


class Sender:
    def __init__(self, host, providers, lease_seconds=20, breaker_failures=2,
                 breaker_cooldown=15, clock=time.monotonic):
        self.host, self.clock, self.lease = host, clock, lease_seconds
        self.providers = [(p, Breaker(breaker_failures, breaker_cooldown, clock))
                          for p in providers]
        self.watch = Watch(lease_seconds, clock)
        self.taking_over = []
        self.released = {}      # peer -> its newest beat seen alive, after which we took none
        self.resting = {}       # mail id -> (until, rests so far): no provider took it
        self.last_beat = None
        self.last_tick = None
        self.waiting = None     # (our beat, since): own mails wait for the peers' answer to it
        self.stopping = False   # set by SIGTERM: finish the mail in hand, then stop
        self.beat_lock = threading.Lock()

    @classmethod
    def from_settings(cls):
        config = settings.MAIL
        return cls(settings.HOST_NAME, [from_config(p) for p in config["providers"]],
                   lease_seconds=config["lease_seconds"],
                   breaker_failures=config["breaker_failures"],
                   breaker_cooldown=config["breaker_cooldown_seconds"])

    # --8<-- [start:tick]
    def tick(self):
        """Send what is this host's to send: its own mails (once the peers have answered
        this sender's start), and those of a host whose lease ran out."""
        now = self.clock()
        if self.last_tick is None or now - self.last_tick >= self.lease:
            # A start, or a freeze longer than the lease: the peer may be sending our mails.
            self.waiting = (self.beat(every=0), now)
        self.last_tick = now
        self.beat()
        own = [self.host] if self.answered() else []
        for owner in own + self.hosts_gone():
            while not self.stopping and self.send_next(owner):
                self.last_tick = self.clock()
                if owner != self.host and not self.still_gone(owner):
                    break  # the owner is back: not one more of its mails
    # --8<-- [end:tick]

    def beat(self, every=1.0):
        """Count this sender's beat up (at most once every `every` seconds) with its state;
        the new beat, or None when it was not yet time. The run's beat thread calls it too."""
        with self.beat_lock:
            now = self.clock()
            if self.last_beat is not None and now - self.last_beat < every:
                return None
            state = json.dumps(self.state())
            with connection.cursor() as cursor:  # written by this sender alone: no conflicts
                cursor.execute(
                    "INSERT INTO mail_senderlease (host, beat, state) VALUES (%s, 1, %s) "
                    "ON CONFLICT (host) DO UPDATE SET beat = mail_senderlease.beat + 1, "
                    "state = EXCLUDED.state RETURNING beat", [self.host, state])
                self.last_beat = now
                return cursor.fetchone()[0]

    def state(self):
        # A list, not a mapping: the order is the order they are tried in.
        return {"providers": [{"name": p.name, "state": b.state, "failures_in_a_row": b.in_a_row}
                              for p, b in self.providers],
                "taking_over": list(self.taking_over),
                "released": dict(self.released)}

    # --8<-- [start:answered]
    def answered(self):
        """Whether own mails may go: every peer has released the beat this sender wrote at
        its start. A peer releases a beat after it stopped taking over this host's mails, and
        replication applies its changes in the order they were committed, so every mail it
        sent for this host is known here by then. A peer that does not answer within the
        lease is gone, or cut off (a partition): then go on without it."""
        if self.waiting is None:
            return True
        ours, since = self.waiting
        states = SenderLease.objects.exclude(host=self.host).values_list("state", flat=True)
        answered = all(state.get("released", {}).get(self.host, -1) >= ours for state in states)
        if answered or self.clock() - since >= self.lease:
            self.waiting = None
        return self.waiting is None
    # --8<-- [end:answered]

    def observe(self, host, beat):
        """Whether `host`'s sender is gone; alive, its beat is released (see answered)."""
        if self.watch.gone(host, beat):
            return True
        self.released[host] = beat
        return False

    def hosts_gone(self):
        """The hosts with a sender (a lease) whose beat stood still for the lease, and which
        have mails to send."""
        beats = dict(SenderLease.objects.exclude(host=self.host).values_list("host", "beat"))
        with_mail = set(pending().exclude(host=self.host).values_list("host", flat=True))
        gone = sorted(h for h, beat in beats.items() if self.observe(h, beat) and h in with_mail)
        if gone != self.taking_over:
            log.warning("taking over the mails of: %s", ", ".join(gone) or "nobody")
            self.taking_over = gone
        return gone

    def still_gone(self, host):
        beat = SenderLease.objects.filter(host=host).values_list("beat", flat=True).first()
        if self.observe(host, beat):
            return True
        log.warning("%s's sender is back: its mails are its own again", host)
        self.taking_over = [h for h in self.taking_over if h != host]
        return False

    # --8<-- [start:send-next]
    def send_next(self, owner):
        """Send `owner`'s oldest unsent mail that is not resting; False when there is none,
        or when no provider could be tried (all set aside): then wait for the next tick."""
        with transaction.atomic():
            mail = (pending().filter(host=owner).exclude(id__in=self.rested())
                    .order_by("created").select_for_update(skip_locked=True, of=("self",))
                    .first())
            if mail is None:
                return False
            # Another sender on this host may have sent it since our query's snapshot.
            if mail.deliveries.filter(outcome__in=Delivery.FINAL).exists():
                return True
            return self.deliver(mail)

    def deliver(self, mail):
        tried = False
        for provider, breaker in self.providers:
            if not breaker.available():
                continue
            tried = True
            try:
                provider.send(mail)
            except Rejected as err:  # this mail, for good: end it, go on with the next
                breaker.succeeded()  # the provider works; the mail cannot be sent
                self.record(mail, provider, Delivery.REJECTED, str(err))
                return True
            except Failed as err:
                breaker.failed()
                self.record(mail, provider, Delivery.FAILED, str(err))
                continue
            breaker.succeeded()
            self.record(mail, provider, Delivery.SENT)
            return True
        if tried:  # every provider failed it: it rests, and the mails behind it go on
            self.rest(mail)
        return tried
    # --8<-- [end:send-next]

    def rest(self, mail):
        _, rests = self.resting.get(mail.id, (0, 0))
        pause = REST_SECONDS[min(rests, len(REST_SECONDS) - 1)]
        self.resting[mail.id] = (self.clock() + pause, rests + 1)

    def rested(self):
        now = self.clock()
        return [mail_id for mail_id, (until, _) in self.resting.items() if until > now]

    def record(self, mail, provider, outcome, reason=""):
        Delivery.objects.create(mail=mail, host=self.host, provider=provider.name,
                                outcome=outcome, reason=reason[:1000])
        if outcome != Delivery.FAILED:
            self.resting.pop(mail.id, None)
        log.info("%s %s to %s via %s%s", mail.id, outcome, mail.to, provider.name,
                 f": {reason}" if reason else "")

    def beat_forever(self):
        """The lease proves this process alive, also while a provider keeps a mail waiting
        longer than the lease: a thread beats, with a database connection of its own."""
        while not self.stopping:
            try:
                self.beat()
            except Exception as err:  # noqa: BLE001 - the database may be restarting
                log.error("beat: %s", first_line(err))
                connection.close()
            time.sleep(0.25)


def first_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else repr(err)


def pending():
    """Mails that no provider has taken or refused for good."""
    return Mail.objects.exclude(deliveries__outcome__in=Delivery.FINAL)


def listen():
    """A connection of its own that hears each new mail (outbox.queue notifies)."""
    params = connection.get_connection_params()
    listener = psycopg.connect(autocommit=True, **{k: v for k, v in params.items()
                                                   if k not in ("cursor_factory", "context")})
    listener.execute(f"LISTEN {CHANNEL}")
    return listener


def run(poll_seconds=1.0):
    """Tick forever; wake at a new mail or after poll_seconds. Errors (the database gone)
    are logged and the loop goes on: systemd restarts the process only if it dies."""
    sender = Sender.from_settings()
    names = ", ".join(f"{p.name} ({p.kind})" for p, _ in sender.providers)
    log.warning("sender on %s: providers in order: %s", sender.host, names or "none")
    # A stop (a restart, a new release) lets the mail in hand finish: killed between the
    # provider's "taken" and the commit of "sent", it would be sent again after the start.
    signal.signal(signal.SIGTERM, lambda *_: setattr(sender, "stopping", True))
    threading.Thread(target=sender.beat_forever, name="beat", daemon=True).start()
    listener = None
    while not sender.stopping:
        try:
            listener = listener or listen()
            sender.tick()
            for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                pass
        except Exception as err:  # noqa: BLE001 - the sender outlives a database restart
            log.error("sender: %s", first_line(err))
            connection.close()
            if listener is not None:
                listener.close()
                listener = None
            time.sleep(poll_seconds)
