"""The sender against the lab's fake providers on loopback: failover, breaker, rejection, lease.

Real parts: the outbox in a real PostgreSQL, real SMTP and HTTP to the fakes. Only time is
the test's own (a clock it moves), so that cooldowns and leases take no real seconds.
"""

import uuid

import pytest
from django.db import connection
from django.db.models import F
from django.test import override_settings

from eduworld.mail.models import Delivery, SenderLease
from eduworld.mail.outbox import queue
from eduworld.mail.providers import HttpApi, Smtp
from eduworld.mail.sender import Sender, pending

from .conftest import FAKE_KEY, FAKE_PASSWORD


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def fake_ok(fake):
    yield fake
    for provider in ("smtp", "api"):
        fake.control.set_mode(provider, "ok")


def sender_for(fake, host="testhost", timeout=1.0, clock=None):
    providers = [Smtp("smtp", "127.0.0.1", fake.smtp, "eduworld", FAKE_PASSWORD,
                      starttls=False, timeout=timeout),
                 HttpApi("api", fake.url, FAKE_KEY, timeout=timeout)]
    return Sender(host, providers, lease_seconds=20, breaker_failures=2, breaker_cooldown=15,
                  clock=clock or Clock())


def mail_to(address=None, **kwargs):
    address = address or f"teacher-{uuid.uuid4().hex[:8]}@school.eduworld.test"
    return queue("password-reset", address, "en", {"name": "", "email": address, "days": 3,
                                                   "link": "http://x/#reset/1/2"}, **kwargs)


def kept(fake, mail):
    return [m for m in fake.control.messages(mail.to) if m["message_id"] == mail.message_id]


def breaker(state, provider):
    return next(p["state"] for p in state["providers"] if p["name"] == provider)


def outcomes(mail):
    return list(Delivery.objects.filter(mail=mail).order_by("at")
                .values_list("provider", "outcome"))


def test_a_mail_goes_through_the_first_provider_with_its_message_id(db, fake_ok):
    mail = mail_to()
    sender_for(fake_ok).tick()
    [message] = kept(fake_ok, mail)
    assert message["provider"] == "smtp" and message["subject"] == mail.subject
    assert outcomes(mail) == [("smtp", "sent")]
    assert not pending().exists()


@pytest.mark.parametrize("mode", ["refuse", "fail", "hang"])
def test_a_failing_first_provider_is_set_aside_and_mail_goes_back_when_it_returns(
        db, fake_ok, mode):
    clock = Clock()
    sender = sender_for(fake_ok, clock=clock)
    fake_ok.control.set_mode("smtp", mode)
    first = [mail_to() for _ in range(4)]
    sender.tick()
    for mail in first:  # every mail delivered, by the second provider
        assert [m["provider"] for m in kept(fake_ok, mail)] == ["api"]
    # Two failures in a row set smtp aside: the last two mails did not even try it.
    assert [outcomes(m) for m in first[2:]] == [[("api", "sent")]] * 2
    assert outcomes(first[0]) == [("smtp", "failed"), ("api", "sent")]
    assert breaker(sender.state(), "smtp") == "open"
    fake_ok.control.set_mode("smtp", "ok")
    clock.now += 15  # the cooldown: the next mail tries smtp again, and it works
    back = mail_to()
    sender.tick()
    assert [m["provider"] for m in kept(fake_ok, back)] == ["smtp"]
    assert breaker(sender.state(), "smtp") == "closed"


def test_a_bad_address_ends_its_mail_with_the_reason_and_the_next_mail_goes(db, fake_ok):
    bad = mail_to("nobody@nowhere.eduworld.test")
    good = mail_to()
    sender_for(fake_ok).tick()
    [(provider, outcome, reason)] = Delivery.objects.filter(mail=bad).values_list(
        "provider", "outcome", "reason")
    assert (provider, outcome) == ("smtp", "rejected") and reason.startswith("550 5.1.1")
    assert [m["provider"] for m in kept(fake_ok, good)] == ["smtp"]
    assert not pending().exists()


def test_with_both_providers_failing_mail_waits_and_goes_when_one_returns(db, fake_ok):
    clock = Clock()
    sender = sender_for(fake_ok, clock=clock)
    fake_ok.control.set_mode("smtp", "fail")
    fake_ok.control.set_mode("api", "fail")
    mail = mail_to()
    sender.tick()
    assert pending().filter(pk=mail.pk).exists()
    assert outcomes(mail) == [("smtp", "failed"), ("api", "failed")]
    fake_ok.control.set_mode("api", "ok")
    sender.tick()
    assert kept(fake_ok, mail) == []  # it rests after a round of failures
    clock.now += 10
    sender.tick()
    assert [m["provider"] for m in kept(fake_ok, mail)] == ["api"]


def test_a_mail_that_no_provider_takes_rests_and_the_mails_behind_it_go(db, fake_ok):
    clock = Clock()
    sender = sender_for(fake_ok, clock=clock)
    stuck = mail_to("pupil@busy.eduworld.test")  # both providers: "not now", for this one
    behind = [mail_to() for _ in range(3)]
    sender.tick()
    assert kept(fake_ok, stuck) == [] and pending().filter(pk=stuck.pk).exists()
    assert [[m["provider"] for m in kept(fake_ok, mail)] for mail in behind] == [["smtp"]] * 3
    assert outcomes(stuck) == [("smtp", "failed"), ("api", "failed")]
    sender.tick()  # resting: not tried again at once
    assert len(outcomes(stuck)) == 2
    clock.now += 10
    sender.tick()
    assert len(outcomes(stuck)) == 4


def test_a_name_with_a_line_break_cannot_break_a_header(db, fake_ok):
    mail = queue("invitation", "carla@school.eduworld.test", "en",
                 {"inviter": "Anne\rBcc: everyone@example.org\u2028x", "name": "", "link": "l"})
    assert mail.subject == "Anne Bcc: everyone@example.org x invites you to EduWorld"
    sender_for(fake_ok).tick()
    [message] = kept(fake_ok, mail)
    assert message["to"] == ["carla@school.eduworld.test"]


def test_a_peers_mail_is_sent_only_after_its_lease_ran_out(db, fake_ok):
    clock = Clock()
    with override_settings(HOST_NAME="host1"):
        theirs = mail_to()
    SenderLease.objects.create(host="host1", beat=7)
    sender = sender_for(fake_ok, host="host2", clock=clock)
    sender.tick()
    clock.now += 19
    sender.tick()
    assert kept(fake_ok, theirs) == []  # host1's beat stood still, but not for 20 s yet
    SenderLease.objects.filter(host="host1").update(beat=8)  # host1 is alive after all
    clock.now += 10
    sender.tick()
    assert kept(fake_ok, theirs) == []
    clock.now += 20
    sender.tick()  # no beat for 20 s: host2 sends host1's mail, once
    assert [m["provider"] for m in kept(fake_ok, theirs)] == ["smtp"]
    assert sender.state()["taking_over"] == ["host1"]
    assert Delivery.objects.get(mail=theirs).host == "host2"


def released(host, beat):
    SenderLease.objects.filter(host="host1").update(
        state={"released": {host: beat}}, beat=F("beat") + 1)


def test_after_a_start_own_mail_waits_until_the_peer_released_its_beat(db, fake_ok):
    clock = Clock()
    SenderLease.objects.create(host="host1", beat=5)
    mine = mail_to()
    sender = sender_for(fake_ok, clock=clock)
    sender.tick()
    assert kept(fake_ok, mine) == []  # host1 may have sent it while this host was away
    ours = SenderLease.objects.get(host="testhost").beat
    released("testhost", ours - 1)  # host1 answers, but to an older beat: not yet
    sender.tick()
    assert kept(fake_ok, mine) == []
    released("testhost", ours)  # host1 took over nothing of ours after seeing this beat
    sender.tick()
    assert [m["provider"] for m in kept(fake_ok, mine)] == ["smtp"]


def test_a_start_with_a_silent_peer_waits_one_lease(db, fake_ok):
    clock = Clock()
    SenderLease.objects.create(host="host1", beat=5)
    mine = mail_to()
    sender = sender_for(fake_ok, clock=clock)
    sender.tick()
    clock.now += 19
    sender.tick()
    assert kept(fake_ok, mine) == []
    clock.now += 1
    sender.tick()
    assert [m["provider"] for m in kept(fake_ok, mine)] == ["smtp"]


def test_a_sender_frozen_longer_than_the_lease_waits_for_the_peer_again(db, fake_ok):
    clock = Clock()
    SenderLease.objects.create(host="host1", beat=5)
    sender = sender_for(fake_ok, clock=clock)
    sender.tick()
    released("testhost", SenderLease.objects.get(host="testhost").beat)
    sender.tick()
    clock.now += 25  # SIGSTOP, then SIGCONT: host1 may have taken over meanwhile
    mine = mail_to()
    sender.tick()
    assert kept(fake_ok, mine) == []
    released("testhost", SenderLease.objects.get(host="testhost").beat)
    sender.tick()
    assert [m["provider"] for m in kept(fake_ok, mine)] == ["smtp"]


def test_a_peer_that_comes_back_gets_its_mails_back_at_once(db, fake_ok):
    clock = Clock()
    with override_settings(HOST_NAME="host1"):
        theirs = [mail_to() for _ in range(3)]
    SenderLease.objects.create(host="host1", beat=7)
    sender = sender_for(fake_ok, host="host2", clock=clock)
    sender.tick()
    clock.now += 20
    # host1 beats again while host2 sends its first mail: host2 sends no second one.
    original = sender.record

    def record_then_host1_returns(mail, provider, outcome, reason=""):
        original(mail, provider, outcome, reason)
        SenderLease.objects.filter(host="host1").update(beat=8)

    sender.record = record_then_host1_returns
    sender.tick()
    assert [len(kept(fake_ok, mail)) for mail in theirs] == [1, 0, 0]
    assert sender.released["host1"] == 8 and sender.state()["taking_over"] == []


def test_a_host_without_a_lease_is_never_taken_over(db, fake_ok):
    clock = Clock()
    with override_settings(HOST_NAME="somewhere"):
        theirs = mail_to()
    sender = sender_for(fake_ok, host="host2", clock=clock)
    sender.tick()
    clock.now += 60
    sender.tick()
    assert kept(fake_ok, theirs) == []


def test_the_sender_beats_and_health_shows_the_outbox(db, fake_ok, client):
    sender = sender_for(fake_ok)
    fake_ok.control.set_mode("smtp", "refuse")
    mail_to()
    mail_to("nobody@nowhere.eduworld.test")
    sender.tick()
    sender.beat(every=0)  # what the sender shows is written with each beat
    with override_settings(MAIL={**_mail_settings(), "providers": [{"name": "smtp"}]}):
        health = client.get("/api/health/").json()["mail"]
    assert health["queued"] == 0 and health["sent"] == {"api": 1}
    assert health["rejected"] == 1 and health["failed_attempts"] == {"smtp": 2}
    assert health["sender"]["beat"] == 2
    assert [p["name"] for p in health["sender"]["providers"]] == ["smtp", "api"]
    assert breaker(health["sender"], "smtp") == "open"


def test_a_rolled_back_cause_leaves_no_mail(transactional_db):
    from django.db import transaction
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_to()
        raise RuntimeError("the cause failed")
    assert not pending().exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM mail_mail")
        assert cursor.fetchone() == (0,)


def _mail_settings():
    from django.conf import settings
    return settings.MAIL
