"""The sender: one per host, sending the mails its own host wrote.

Why not one queue that both hosts' senders take turns on? `SELECT ... FOR UPDATE SKIP
LOCKED` locks a row on this host's database only: the other host never sees the lock, so
two senders taking from one queue would send the same mail twice, every time. Instead each
mail belongs to the host that wrote it (Mail.host), and only that host's sender sends it.
SKIP LOCKED is still used, for what it does hold: two senders on one host (a restart that
overlaps) never take the same row.

When a host dies, its mails wait until its peer is sure it is gone: the peer watches the
host's lease (SenderLease.beat, counted up once a second) and takes over the host's mails
when the beat has not moved for `lease_seconds`, by the peer's own clock. A host that is
alive but cut off from its peer looks the same: both then send its unsent mails, and
those duplicates carry the same Message-ID. That gap cannot be closed, only bounded.
"""

import json
import logging
import signal
import time

import psycopg
from django.conf import settings
from django.db import connection, transaction

from .breaker import Breaker
from .models import Delivery, Mail, SenderLease
from .outbox import CHANNEL
from .providers import Failed, Rejected, from_config

log = logging.getLogger("eduworld.mail")


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
        self.host, self.clock = host, clock
        self.providers = [(p, Breaker(breaker_failures, breaker_cooldown, clock))
                          for p in providers]
        self.watch = Watch(lease_seconds, clock)
        self.taking_over = []
        self.last_beat = None
        self.started = clock()
        self.first_beats = None  # the peers' beats when this sender started
        self.caught_up = False
        self.stopping = False    # set by SIGTERM: finish the mail in hand, then stop

    @classmethod
    def from_settings(cls):
        config = settings.MAIL
        return cls(settings.HOST_NAME, [from_config(p) for p in config["providers"]],
                   lease_seconds=config["lease_seconds"],
                   breaker_failures=config["breaker_failures"],
                   breaker_cooldown=config["breaker_cooldown_seconds"])

    # --8<-- [start:tick]
    def tick(self):
        """Beat, then send what is this host's to send: its own mails, and those of a host
        whose lease ran out."""
        self.beat()
        owners = [self.host] if self.catching_up_done() else []
        for owner in owners + self.hosts_gone():
            while not self.stopping and self.send_next(owner):
                self.beat()  # at most once a second, also while a long queue drains
    # --8<-- [end:tick]

    def beat(self, every=1.0):
        now = self.clock()
        if self.last_beat is not None and now - self.last_beat < every:
            return
        state = json.dumps(self.state())
        with connection.cursor() as cursor:  # written by this sender alone: no conflicts
            cursor.execute(
                "INSERT INTO mail_senderlease (host, beat, state) VALUES (%s, 1, %s) "
                "ON CONFLICT (host) DO UPDATE SET beat = mail_senderlease.beat + 1, "
                "state = EXCLUDED.state", [self.host, state])
        self.last_beat = now

    def state(self):
        # A list, not a mapping: the order is the order they are tried in.
        return {"providers": [{"name": p.name, "state": b.state, "failures_in_a_row": b.in_a_row}
                              for p, b in self.providers],
                "taking_over": self.taking_over}

    # --8<-- [start:catching-up]
    def catching_up_done(self):
        """After a start, this host's own mails wait until every peer's beat has moved once.
        Replication applies the peer's changes in the order they committed, so by then this
        host knows what the peer sent of its mails while it was away, and sends none of them
        again. A peer that does not beat within the lease is gone too: go on without it."""
        if not self.caught_up:
            beats = dict(SenderLease.objects.exclude(host=self.host).values_list("host", "beat"))
            if self.first_beats is None:
                self.first_beats = beats
            moved = all(beats.get(h) != beat for h, beat in self.first_beats.items())
            self.caught_up = moved or self.clock() - self.started >= self.watch.lease
        return self.caught_up
    # --8<-- [end:catching-up]

    def hosts_gone(self):
        """Other hosts with unsent mails whose sender's beat stood still for the lease."""
        beats = dict(SenderLease.objects.values_list("host", "beat"))
        others = (pending().exclude(host=self.host).values_list("host", flat=True)
                  .distinct())
        gone = sorted(h for h in others if self.watch.gone(h, beats.get(h)))
        if gone != self.taking_over:
            log.warning("taking over the mails of: %s", ", ".join(gone) or "nobody")
            self.taking_over = gone
        return gone

    # --8<-- [start:send-next]
    def send_next(self, owner):
        """Send `owner`'s oldest unsent mail; False when there is none, or when no provider
        took it (it stays queued for the next tick)."""
        with transaction.atomic():
            mail = (pending().filter(host=owner).order_by("created")
                    .select_for_update(skip_locked=True, of=("self",)).first())
            if mail is None:
                return False
            return self.deliver(mail)

    def deliver(self, mail):
        for provider, breaker in self.providers:
            if not breaker.available():
                continue
            try:
                provider.send(mail)
            except Rejected as err:  # this address, for good: end the mail, go on
                breaker.succeeded()  # the provider works; the address does not
                self.record(mail, provider, Delivery.REJECTED, str(err))
                return True
            except Failed as err:
                breaker.failed()
                self.record(mail, provider, Delivery.FAILED, str(err))
                continue
            breaker.succeeded()
            self.record(mail, provider, Delivery.SENT)
            return True
        return False
    # --8<-- [end:send-next]

    def record(self, mail, provider, outcome, reason=""):
        Delivery.objects.create(mail=mail, host=self.host, provider=provider.name,
                                outcome=outcome, reason=reason[:1000])
        log.info("%s %s to %s via %s%s", mail.id, outcome, mail.to, provider.name,
                 f": {reason}" if reason else "")


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
    listener = None
    while not sender.stopping:
        try:
            listener = listener or listen()
            sender.tick()
            for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                pass
        except Exception as err:  # noqa: BLE001 - the sender outlives a database restart
            log.error("sender: %s", str(err).strip().splitlines()[0] if str(err) else err)
            connection.close()
            if listener is not None:
                listener.close()
                listener = None
            time.sleep(poll_seconds)
