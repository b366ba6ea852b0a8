"""Chapter 2: both hosts count failed sign-ins and pairings together.

Scenario: a teacher account made for the test fails pairings, half on host1 and half on
host2; an address nobody has fails sign-ins the same way. Once the attempts have
replicated, each host refuses the next attempt with 429, although it saw only half of them.
"""

import uuid

import pytest

from eduworld.limits.attempts import PAIRING, SIGN_IN
from lab.polling import wait_for

pytestmark = pytest.mark.lab

HOSTS = ("host1", "host2")


def attempts_on(lab, host, kind, subject, expected):
    return lab.sql(host, "SELECT count(*) FROM limits_failedattempt "
                   f"WHERE kind = '{kind}' AND subject = '{subject}'") == str(expected)


# --8<-- [start:pairing]
def test_failed_pairings_on_both_hosts_add_up_to_429_on_either(chapter_lab):
    """Failed pairings on both hosts count together: past the limit, 429 on either host."""
    run = uuid.uuid4().hex[:8]
    email, password = f"sweeper-{run}@eduworld.test", f"sweep-{run}-pass"
    chapter_lab.console("host1", "eduworld-manage", "shell", "--no-imports", "-c",
                        "from eduworld.accounts.models import User; "
                        f"User.objects.create_user('{email}', '{password}')")
    apis = {host: wait_for(lambda h=host: chapter_lab.api(h).sign_in(email, password), 5,
                           f"the new teacher to sign in on {host}") for host in HOSTS}
    user_id = chapter_lab.sql("host1", f"SELECT id FROM accounts_user WHERE email = '{email}'")

    for i in range(PAIRING.attempts):  # codes no board shows (1 in a million otherwise)
        answer = apis[HOSTS[i % 2]].post("/api/boards/pair/", {"code": f"{i:06d}"})
        assert answer.status_code == 404, answer.text
    for host in HOSTS:
        wait_for(lambda h=host: attempts_on(chapter_lab, h, "pairing", user_id,
                                            PAIRING.attempts), 2,
                 f"{host} to hold the failed pairings of both hosts")
    for host in HOSTS:
        refused = apis[host].post("/api/boards/pair/", {"code": "999999"})
        assert refused.status_code == 429, f"{host}: {refused.status_code} {refused.text}"
        assert "failed pairings" in refused.json()["detail"]
        assert 0 < int(refused.headers["Retry-After"]) <= PAIRING.window.total_seconds()
# --8<-- [end:pairing]


def test_failed_sign_ins_on_both_hosts_add_up_to_429_on_either(chapter_lab):
    """Failed sign-ins for one address on both hosts count together: then 429 on either."""
    email = f"nobody-{uuid.uuid4().hex[:8]}@eduworld.test"
    apis = {host: chapter_lab.api(host) for host in HOSTS}
    for api in apis.values():
        api.get("/api/auth/login/")
    for i in range(SIGN_IN.attempts):
        answer = apis[HOSTS[i % 2]].post("/api/auth/login/", {"email": email, "password": "x"})
        assert answer.status_code == 400, answer.text
    for host in HOSTS:
        wait_for(lambda h=host: attempts_on(chapter_lab, h, "sign-in", email, SIGN_IN.attempts),
                 2, f"{host} to hold the failed sign-ins of both hosts")
    for host, api in apis.items():
        refused = api.post("/api/auth/login/", {"email": email, "password": "x"})
        assert refused.status_code == 429, f"{host}: {refused.status_code} {refused.text}"
        assert "failed sign-ins" in refused.json()["detail"]
