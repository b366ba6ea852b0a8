"""Mail, measured: the figures chapter 7 quotes.

    make bench-mail                  # boots the chapter-7 lab if it is not up

Every measurement runs --runs times (3, the least); each figure is kept as its median, min
and max over the runs (results.summary). About 5 minutes.

Per run and per state of the first provider (the SMTP relay): up, refusing, hanging.
MAILS invitations are made through the two hosts in turn, one every PACE seconds, as a
school's office would; for each, the time the request took, and the time from sending the
request to the fake provider keeping the mail (the fakes run on this machine: one clock).
p50 and p99 of each run. With the relay hanging, the mails that try it pay its timeout
(the first on each host: the breaker then sets it aside for longer than a state lasts),
and the mails queued behind them on that host wait too.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "code"))

from results import (  # noqa: E402
    invoked,
    percentile,
    print_figures,
    quiet,
    run_options,
    save,
    summary,
)

from lab import config, control, mail, third_party  # noqa: E402
from lab.client import Api  # noqa: E402

MAILS = 40   # per state of the relay and run
PACE = 0.25  # seconds between two invitations
STATES = ("up", "refusing", "hanging")
MODES = {"up": "ok", "refusing": "refuse", "hanging": "hang"}


def measure(run, state, apis, samples):
    third_party.client().set_mode("smtp", MODES[state])
    started, requests_s = {}, []
    for n in range(MAILS):
        at = time.time()
        invitation, took = mail.invite(apis[n % 2])
        started[invitation["mail"]["message_id"]] = at
        requests_s.append(took)
        time.sleep(PACE)
    delivered = mail.wait_delivered(list(started), 120)
    delivery = [copies[0]["received"] - started[mid] for mid, copies in delivered.items()]
    providers = mail.providers_of(delivered)
    third_party.client().set_mode("smtp", "ok")
    for name, values, scale in (("request", requests_s, 1000), ("delivery", delivery, 1000)):
        samples[f"{state}_{name}_p50_ms"].append(percentile(values, 0.5) * scale)
        samples[f"{state}_{name}_p99_ms"].append(percentile(values, 0.99) * scale)
    print(f"run {run}, relay {state}: request p50 {percentile(requests_s, 0.5) * 1000:.0f} ms, "
          f"p99 {percentile(requests_s, 0.99) * 1000:.0f} ms; delivery p50 "
          f"{percentile(delivery, 0.5) * 1000:.0f} ms, p99 {percentile(delivery, 0.99) * 1000:.0f}"
          f" ms; via smtp {providers.count('smtp')}, api {providers.count('api')}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    args = run_options(parser)
    before = quiet(args.force)
    if control.ensure_chapter("07"):
        before = quiet(args.force, settle=240)
    apis = [Api(h, timeout=10).sign_in() for h in config.HOSTS]
    samples = {f"{state}_{name}_{p}_ms": [] for state in STATES
               for name in ("request", "delivery") for p in ("p50", "p99")}
    for run in range(1, args.runs + 1):
        for state in STATES:
            measure(run, state, apis, samples)
            time.sleep(float(config.role_default("mail", "mail_breaker_cooldown_seconds")))
    figures = {name: summary(values) for name, values in samples.items()}
    # How much a sick relay costs: delivery p50 against the healthy pair's, and requests.
    for state in ("refusing", "hanging"):
        figures[f"{state}_over_up_delivery_p50"] = round(
            figures[f"{state}_delivery_p50_ms"]["median"]
            / figures["up_delivery_p50_ms"]["median"], 2)
        figures[f"{state}_over_up_request_p99"] = round(
            figures[f"{state}_request_p99_ms"]["median"]
            / figures["up_request_p99_ms"]["median"], 2)
    figures["mails_per_state_and_run"] = MAILS
    figures["seconds_between_mails"] = PACE
    print_figures(figures)
    save("mail", invoked("bench-mail"), figures, before, args.force)


if __name__ == "__main__":
    main()
