"""eduworld-lab: two real Debian hosts on this machine. `eduworld-lab --help` lists the verbs."""

import argparse
import json
import os
import sys

from . import config, control, provision
from .shell import LabError


def main(argv=None):
    parser = argparse.ArgumentParser(prog="eduworld-lab", description=__doc__)
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
        sub.add_argument("service", help="postgresql, eduworld, nginx or a systemd unit")
    ssh = verbs.add_parser("ssh", help="a shell or a command on a host, over SSH")
    ssh.add_argument("host", choices=config.HOSTS)
    ssh.add_argument("command", nargs=argparse.REMAINDER)
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
        elif args.verb in ("poweroff", "boot", "cut"):
            control.check_machine()
            getattr(control, args.verb)(args.host)
        elif args.verb == "heal":
            control.heal(args.host)
        elif args.verb == "partition":
            control.partition()
        elif args.verb == "down":
            control.down()
    except LabError as err:
        print(err, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: `eduworld-lab down` cleans up whatever was started", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
