"""./eduworld-lab: two real Debian hosts on this machine, and the faults to make on them.

Run it from the checkout's root, as root, after `make setup`: ./eduworld-lab --help"""

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import requests

from . import config, control, media, provision, third_party
from .client import Api
from .shell import LabError

PROG = "./eduworld-lab"
DEMO_LESSON = "De Deltawerken"


def main(argv=None):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("fetch", help="fetch everything the lab needs, once (before the workshop)")
    up = verbs.add_parser("up", help="boot both hosts and apply a chapter's playbook")
    up.add_argument("--chapter", help="the chapter's number (default: the last one)")
    up.add_argument("--fresh", action="store_true",
                    help="provision bare hosts through the roles, ignoring any snapshot")
    status = verbs.add_parser("status", help="hosts, addresses, services, health")
    status.add_argument("--json", action="store_true")
    for verb, text in [("poweroff", "hard power-off, cable out, like a dead machine"),
                       ("boot", "power on again, same disk"),
                       ("cut", "pull the host's cable")]:
        verbs.add_parser(verb, help=text).add_argument("host", choices=config.HOSTS)
    heal = verbs.add_parser("heal", help="plug cables back in and end a partition")
    heal.add_argument("host", nargs="?", choices=config.HOSTS)
    verbs.add_parser("partition", help="host1 and host2 cannot reach each other")
    for verb, text in [("pause", "SIGSTOP a service"), ("resume", "SIGCONT a service")]:
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("host", choices=config.HOSTS)
        sub.add_argument("service", help="postgresql, eduworld, nginx, csync2 (chapter 4 on), "
                         "realtime (chapter 5 on), mail (the sender, chapter 7 on) "
                         "or a systemd unit")
    ssh = verbs.add_parser("ssh", help="a shell or a command on a host, over SSH")
    ssh.add_argument("host", choices=config.HOSTS)
    ssh.add_argument("command", nargs=argparse.REMAINDER)
    api = verbs.add_parser("api", help="call EduWorld's API on a host, signed in as the demo "
                           "teacher, and print the answer",
                           description="Signs in as the demo teacher (session and CSRF token, "
                           "as a browser does), sends one request and prints the status and "
                           "the JSON answer. A POST carries a fresh Idempotency-Key unless "
                           "--idempotency-key gives one.")
    api.add_argument("host", choices=config.HOSTS)
    api.add_argument("method", type=str.upper,
                     choices=["GET", "POST", "PUT", "PATCH", "DELETE"])
    api.add_argument("path", help="for example /api/nodes/")
    api.add_argument("body", nargs="?", help="the JSON body of a POST, PUT or PATCH")
    api.add_argument("--idempotency-key", help="send this key (a retry uses the same one)")
    upload = verbs.add_parser("upload", help="upload a file to a demo lesson on a host, as the "
                              "demo teacher, and print the answer")
    upload.add_argument("host", choices=config.HOSTS)
    upload.add_argument("file", help="the file to upload")
    upload.add_argument("--lesson", default=DEMO_LESSON,
                        help=f"the demo lesson's title (default: {DEMO_LESSON})")
    upload.add_argument("--idempotency-key", help="send this key (a retry uses the same one)")
    compare = verbs.add_parser("compare", help="do both hosts hold the same rows? (count and "
                               "md5 of every replicated table; from chapter 4 on, also every "
                               "media file's path and sha256)")
    compare.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                         help="poll up to this long for the hosts to match")
    provider = verbs.add_parser("provider", help="make a fake mail provider fail (chapter 7): "
                                "ok, refuse (nothing listens), fail (4xx/5xx), hang (never "
                                "answers)")
    provider.add_argument("name", choices=["smtp", "api"])
    provider.add_argument("mode", choices=["ok", "refuse", "fail", "hang"])
    mailbox = verbs.add_parser("mailbox", help="the mails the fake providers took: time, "
                               "provider, Message-ID, to, subject")
    mailbox.add_argument("to", nargs="?", help="only the mails to this address")
    verbs.add_parser("down", help="power off, remove namespaces, links, cgroups; keep caches")
    args = parser.parse_args(argv)

    try:
        if args.verb == "fetch":
            control.fetch()
        elif args.verb == "up":
            control.up(args.chapter, fresh=args.fresh)
            control.print_status(control.status())
            print(control.reach_from_browser())
        elif args.verb == "status":
            report = control.status()
            print(json.dumps(report, indent=2)) if args.json else control.print_status(report)
        elif args.verb == "ssh":
            control.check_machine()
            os.execvp("ssh", ["ssh", "-i", str(provision.SSH_KEY),
                              "-o", f"UserKnownHostsFile={provision.KNOWN_HOSTS}",
                              "-o", "StrictHostKeyChecking=yes",
                              f"root@{config.ADDRESSES[args.host]}", *args.command])
        elif args.verb in ("pause", "resume"):
            getattr(control, args.verb)(args.host, args.service)
            print(f"{args.service} on {args.host} is "
                  + ("paused (SIGSTOP): it holds its connections and answers nothing"
                     if args.verb == "pause" else "running again (SIGCONT)"))
        elif args.verb == "poweroff":
            control.check_machine()
            control.poweroff(args.host)
            print(f"{args.host} is off: its PID 1 was killed, no shutdown, cable out")
        elif args.verb == "boot":
            control.check_machine()
            control.boot(args.host)
            print(f"{args.host} is on again, same disk; its services have started")
        elif args.verb == "cut":
            control.check_machine()
            control.cut(args.host)
            print(f"{args.host}'s cable is out: what it sends and what is sent to it vanishes")
        elif args.verb == "heal":
            control.heal(args.host)
            print(f"{args.host}'s cable is in" if args.host
                  else "every cable is in and the hosts reach each other")
        elif args.verb == "partition":
            control.partition()
            print("host1 and host2 cannot reach each other; this machine still reaches both")
        elif args.verb == "compare":
            started = time.monotonic()
            tables, rows = control.wait_until_identical(args.wait)
            print(f"host1 and host2 hold the same rows: {tables} replicated tables, {rows} rows")
            if control.chapter_from("04"):
                left = max(0, args.wait - (time.monotonic() - started))
                files = media.wait_until_media_identical(left)
                print(f"host1 and host2 hold the same media: {len(files)} "
                      f"file{'s' if len(files) != 1 else ''}, same paths, sha256, owner and mode")
        elif args.verb == "api":
            return call_api(args)
        elif args.verb == "upload":
            return call_upload(args)
        elif args.verb == "provider":
            third_party.set_mode(args.name, args.mode)
            print(f"the fake {args.name} provider: {args.mode}")
        elif args.verb == "mailbox":
            for line in third_party.mailbox(args.to):
                print(line)
        elif args.verb == "down":
            control.down()
    except LabError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\ninterrupted: `{PROG} down` cleans up whatever was started", file=sys.stderr)
        return 130
    return 0


def call_api(args):
    """One request as the demo teacher; exit 0 for a 2xx answer, 1 otherwise."""
    try:
        body = json.loads(args.body) if args.body else None
    except json.JSONDecodeError as err:
        raise LabError(f"the body is not JSON ({err}): quote it, for example "
                       """'{"kind": "subject", "title": "Maths"}'""") from None
    key = args.idempotency_key or (str(uuid.uuid4()) if args.method == "POST" else None)
    try:
        client = Api(args.host, timeout=10).sign_in()
        response = client.request(args.method, args.path, body, idempotency_key=key)
    except requests.RequestException as err:
        raise LabError(f"{args.host} does not answer ({type(err).__name__}): "
                       f"`{PROG} status` shows why") from None
    print(response.status_code, response.reason)
    if response.content:
        try:
            print(json.dumps(response.json(), indent=2, ensure_ascii=False))
        except ValueError:
            print(response.text)
    return 0 if response.ok else 1


def call_upload(args):
    """One upload as the demo teacher, to a demo lesson; exit 0 for a 201, 1 otherwise."""
    path = Path(args.file)
    if not path.is_file():
        raise LabError(f"{args.file}: no such file")
    try:
        client = Api(args.host, timeout=10).sign_in()
        found = client.get("/api/search/", q=args.lesson).json()["results"]
        lessons = [n["id"] for n in found if n["kind"] == "lesson" and n["title"] == args.lesson]
        if not lessons:
            raise LabError(f"no demo lesson called {args.lesson!r} on {args.host}")
        response = media.upload(client, lessons[0], path.name, path.read_bytes(),
                                args.idempotency_key)
    except requests.RequestException as err:
        raise LabError(f"{args.host} does not answer ({type(err).__name__}): "
                       f"`{PROG} status` shows why") from None
    print(response.status_code, response.reason)
    print(json.dumps(response.json(), indent=2, ensure_ascii=False))
    return 0 if response.status_code == 201 else 1
