"""Chapter 7: mail that keeps going when a provider, or a host, goes away.

Scenario: the demo teacher invites colleagues through either host; each invitation writes
its mail into the host's outbox, and the host's sender hands it to the fake providers
(an SMTP relay first, an HTTP mail API second; lab/fakemail.py), which keep every copy.
The faults: a provider that refuses, fails or hangs; a host powered off with mail queued;
the hosts cut off from each other. Mails are counted at the providers by Message-ID.
"""

import pytest

from lab import config, mail
from lab.app import App
from lab.polling import wait_for

pytestmark = pytest.mark.lab

HOSTS = config.HOSTS
LEASE = float(config.role_default("mail", "mail_lease_seconds"))
COOLDOWN = float(config.role_default("mail", "mail_breaker_cooldown_seconds"))
TIMEOUT = 5  # each provider's, in the lab's inventory
REQUEST_BOUND = 1.0  # an invitation's answer, whatever the providers do
SHOTS = config.ROOT / "test-artifacts" / "07-mail"


def sign_in_both(lab):
    return [lab.api(h).sign_in() for h in HOSTS]


def message_ids(invitations):
    return [i["mail"]["message_id"] for i in invitations]


def mail_state(lab, host, message_id):
    found = [i["mail"] for i in lab.api(host).sign_in().get("/api/invitations/").json()
             if i["mail"]["message_id"] == message_id]
    return found[0] if found else None


def senders_state(lab, host):
    health = lab.api(host).health() or {}
    return ((health.get("mail") or {}).get("sender") or {})


# --8<-- [start:provider-fails]
@pytest.mark.parametrize("mode", ["refuse", "fail", "hang"])
def test_a_failing_first_provider_costs_requests_nothing_and_mail_goes_through_the_second(
        chapter_lab, mail_providers, mode):
    apis = sign_in_both(chapter_lab)
    mail_providers.set_mode("smtp", mode)
    sent = [mail.invite(apis[n % 2]) for n in range(8)]
    slowest = max(took for _, took in sent)
    assert slowest < REQUEST_BOUND, f"an invitation took {slowest:.2f} s with smtp {mode}"
    delivered = mail.wait_delivered(message_ids(i for i, _ in sent), 60)
    assert set(mail.providers_of(delivered)) == {"api"}
    # The relay is back: after its cooldown one mail tries it, and mail returns to it, on
    # each host (each sender has its own breakers).
    mail_providers.set_mode("smtp", "ok")

    def back_to_smtp(api):
        invitation, _ = mail.invite(api)
        latest = mail.wait_delivered([invitation["mail"]["message_id"]], 30)
        return mail.providers_of(latest) == ["smtp"]

    for api in apis:
        wait_for(lambda a=api: back_to_smtp(a), COOLDOWN + 2 * TIMEOUT + 10,
                 f"mail from {api.host} to go through smtp again", interval=1)
    after = [mail.invite(apis[n % 2])[0] for n in range(4)]
    assert set(mail.providers_of(mail.wait_delivered(message_ids(after), 30))) == {"smtp"}
# --8<-- [end:provider-fails]


# --8<-- [start:host-dies]
def test_mail_queued_on_a_host_that_dies_is_sent_by_its_peer_after_the_lease(
        chapter_lab, mail_providers, faults):
    host1, _ = sign_in_both(chapter_lab)
    for name in ("smtp", "api"):  # nobody can send: the mails stay queued on host1
        mail_providers.set_mode(name, "fail")
    queued = message_ids(mail.invite(host1)[0] for _ in range(3))
    chapter_lab.wait_until_identical(30)  # host2 holds host1's outbox
    faults.poweroff("host1")
    for name in ("smtp", "api"):
        mail_providers.set_mode(name, "ok")
    mail.wait_delivered(queued, LEASE + 15)
    assert senders_of(chapter_lab, "host2", queued) == ["host2"]
    faults.boot("host1")
    chapter_lab.wait_until_serving("host1", 90)
    later = message_ids([mail.invite(chapter_lab.api("host1").sign_in())[0]])
    mail.wait_delivered(later, 60)  # host1 sends its own mail again, and not the old ones
    chapter_lab.wait_until_identical(30)
    assert mail.copies(queued + later) == {mid: 1 for mid in queued + later}
    assert senders_of(chapter_lab, "host1", later) == ["host1"]
# --8<-- [end:host-dies]


# --8<-- [start:host-returns]
def test_a_host_that_returns_while_its_peer_sends_for_it_gets_each_mail_sent_once(
        chapter_lab, mail_providers, faults):
    host1, _ = sign_in_both(chapter_lab)
    for name in ("smtp", "api"):  # the mails stay queued, first on host1, then on host2
        mail_providers.set_mode(name, "fail")
    queued = message_ids(mail.invite(host1)[0] for _ in range(10))
    chapter_lab.wait_until_identical(30)
    faults.poweroff("host1")
    wait_for(lambda: senders_state(chapter_lab, "host2").get("taking_over") == ["host1"],
             LEASE + 15, "host2 to take over host1's mails")
    faults.boot("host1")  # host1 is back while host2 holds every one of its mails
    chapter_lab.wait_until_serving("host1", 90)
    wait_for(lambda: senders_state(chapter_lab, "host2").get("taking_over") == [], 30,
             "host2 to give host1's mails back")
    for name in ("smtp", "api"):
        mail_providers.set_mode(name, "ok")
    mail.wait_delivered(queued, 90)  # a mail that failed rests up to 60 s, then goes
    chapter_lab.wait_until_identical(30)
    assert mail.copies(queued) == {mid: 1 for mid in queued}
    assert senders_of(chapter_lab, "host1", queued) == ["host1"]
# --8<-- [end:host-returns]


def senders_of(lab, host, ids):
    """Which hosts' senders sent these mails, as `host`'s database records it."""
    mails = ", ".join(f"'{mid.strip('<>').split('@')[0]}'" for mid in ids)
    rows = lab.sql(host, "SELECT DISTINCT host FROM mail_delivery WHERE outcome = 'sent' "
                   f"AND mail_id IN ({mails})")
    return sorted(rows.split())


# --8<-- [end:host-dies]


def test_without_partitions_every_mail_arrives_exactly_once(chapter_lab, mail_providers,
                                                            faults):
    """Mails from both hosts while the relay takes turns failing, one sender restarts, and
    the other is frozen for longer than the lease, with mail queued (its peer sends it):
    each mail reaches a provider once."""
    apis = sign_in_both(chapter_lab)
    sent = []
    for mode in ("ok", "refuse", "hang", "fail", "ok"):
        mail_providers.set_mode("smtp", mode)
        sent += [mail.invite(apis[n % 2])[0] for n in range(6)]
        if mode == "hang":
            chapter_lab.console("host2", "systemctl", "restart", "eduworld-mail")
        if mode == "fail":
            faults.pause("host1", "mail")
            frozen = [mail.invite(apis[0])[0] for _ in range(3)]
            mail.wait_delivered(message_ids(frozen), LEASE + 15)  # host2 sent them
            faults.resume("host1", "mail")  # host1 must not send them again
            sent += frozen
    ids = message_ids(sent)
    mail.wait_delivered(ids, 90)
    chapter_lab.wait_until_identical(30)
    assert mail.copies(ids) == {mid: 1 for mid in ids}
    for host in HOSTS:  # and each host's outbox says so: nothing left queued
        health = chapter_lab.api(host).health()["mail"]
        assert health["queued"] == 0, f"{host}: {health}"


# --8<-- [start:partition]
def test_during_a_partition_duplicates_are_bounded_by_the_mails_in_flight(
        chapter_lab, mail_providers, faults):
    host1, host2 = sign_in_both(chapter_lab)
    for name in ("smtp", "api"):  # host1's mails stay in flight: queued, replicated, unsent
        mail_providers.set_mode(name, "fail")
    in_flight = message_ids(mail.invite(host1)[0] for _ in range(4))
    chapter_lab.wait_until_identical(30)
    faults.partition()
    wait_for(lambda: senders_state(chapter_lab, "host2").get("taking_over") == ["host1"],
             LEASE + 15, "host2 to take over host1's mails")
    for name in ("smtp", "api"):
        mail_providers.set_mode(name, "ok")
    # Mails written during the split are known to their own host only: sent once.
    during = message_ids([mail.invite(api)[0] for api in (host1, host2) for _ in range(2)])
    mail.wait_delivered(in_flight + during, 60)
    faults.heal()
    chapter_lab.wait_until_identical(60)
    copies = mail.copies(in_flight + during)
    assert all(copies[mid] == 1 for mid in during), copies
    assert all(1 <= copies[mid] <= 2 for mid in in_flight), copies
    twice = [mid for mid in in_flight if copies[mid] == 2]
    for mid in twice:  # a duplicate is recognisable: same Message-ID, same mail
        first, second = [m for m in mail.kept() if m["message_id"] == mid]
        assert (first["to"], first["subject"], first["text"]) == \
            (second["to"], second["subject"], second["text"])
# --8<-- [end:partition]


# --8<-- [start:bad-address]
def test_a_bad_address_ends_its_mail_with_the_reason_and_the_mails_behind_it_go(
        chapter_lab, mail_providers, lab_browser):
    host1, _ = sign_in_both(chapter_lab)
    bad, _ = mail.invite(host1, "nobody@nowhere.eduworld.test")
    behind = message_ids(mail.invite(host1)[0] for _ in range(3))
    mail.wait_delivered(behind, 30)
    state = wait_for(lambda: (s := mail_state(chapter_lab, "host1", bad["mail"]["message_id"]))
                     and s["state"] != "queued" and s, 30, "the bad address's mail to end")
    assert state["state"] == "rejected" and state["provider"] == "smtp"
    assert "550 5.1.1" in state["reason"] and "no such mailbox" in state["reason"]
    assert mail.copies([bad["mail"]["message_id"]]) == {bad["mail"]["message_id"]: 0}
    # And the teacher reads it in the app, beside the invitations that went.
    app = App(lab_browser, viewport={"width": 1100, "height": 1150}).sign_in()
    app.go("#/colleagues")
    app.page.get_by_text("could not be delivered: 550 5.1.1").first.wait_for(timeout=15000)
    app.page.get_by_text("The mail was sent.").first.wait_for(timeout=15000)
    app.screenshot(SHOTS / "colleagues.png")
    app.close()
# --8<-- [end:bad-address]
