"""What became of every operation of a chaos run, and whether the hosts converged.

After the run every fault is healed; the checker waits until both hosts hold the same rows
(count and md5 of every replicated table), then reads the run's subjects from each host and
classifies every operation:

- a create: `present` (one row with its title), `lost` (acknowledged, no row), `duplicated`
  (more than one row), `recovered` (not acknowledged, yet written: allowed) or `absent` (not
  acknowledged, not written: allowed);
- an update: `present` when the subject ends with its version, `superseded` when a later
  version won (as it should), `stale` when an older acknowledged version replaced it (a lost
  update), `overtaken` when an older version whose write was never acknowledged replaced
  it: such a write may take effect at any time, even after a later one (a request held by a
  paused host, served when the host wakes up). Not an anomaly of replication, but counted
  and shown, because a teacher would see an older text come back.

The run is valid when nothing is lost, duplicated or stale, the hosts hold the same rows,
both subscriptions replicate, and the tree is valid on both hosts.
"""

from collections import Counter, defaultdict

from lab import config, control, hosts

ANOMALIES = ("lost", "duplicated", "stale")


def rows(host, run_id):
    """{title: [version, ...]} of the run's subjects on a host."""
    text = hosts.sql(host, "SELECT title || '|' || body FROM curriculum_node "
                           f"WHERE title LIKE 'chaos {run_id} %'")
    found = defaultdict(list)
    for line in text.splitlines():
        title, body = line.rsplit("|", 1)
        found[title].append(int(body.removeprefix("v")))
    return found


def classify(operations, found):
    """Each operation's verdict, in the order given: a list of strings."""
    unacknowledged = defaultdict(set)  # title: versions whose write no host acknowledged
    for operation in operations:
        if operation["outcome"] != "ok":
            unacknowledged[operation["title"]].add(operation["value"])
    verdicts = []
    for operation in operations:
        versions = found.get(operation["title"], [])
        acknowledged = operation["outcome"] == "ok"
        if operation["kind"] == "create":
            if len(versions) > 1:
                verdicts.append("duplicated")
            elif versions:
                verdicts.append("present" if acknowledged else "recovered")
            else:
                verdicts.append("lost" if acknowledged else "absent")
            continue
        final = versions[0] if len(versions) == 1 else None  # the create's verdict covers
        if final is None or not acknowledged:                 # a missing or doubled row
            verdicts.append("recovered" if final == operation["value"] else "absent")
        elif final == operation["value"]:
            verdicts.append("present")
        elif final > operation["value"]:
            verdicts.append("superseded")  # a later write won, as it should
        elif final in unacknowledged[operation["title"]]:
            verdicts.append("overtaken")  # an older write with no answer landed later
        else:
            verdicts.append("stale")  # an older acknowledged version replaced it: lost
    return verdicts


def check(run_id, operations, converge_within=120):
    """The verdict of a run (counts, anomalies with their operations, convergence), and each
    operation's verdict in the order given."""
    tables, _rows = control.wait_until_identical(converge_within)
    by_host = {host: rows(host, run_id) for host in config.HOSTS}
    verdicts = classify(operations, by_host["host1"])
    counts = Counter(verdicts)
    subscriptions = {host: hosts.sql(host, "SELECT status FROM "
                                           "pglogical.show_subscription_status()")
                     for host in config.HOSTS}
    trees = {host: hosts.tree_problems(host) for host in config.HOSTS}
    result = {
        "operations": len(operations),
        "acknowledged": sum(op["outcome"] == "ok" for op in operations),
        "unknown": sum(op["outcome"] != "ok" for op in operations),
        "verdicts": dict(sorted(counts.items())),
        "anomalies": [dict(op, verdict=v) for op, v in zip(operations, verdicts, strict=True)
                      if v in ANOMALIES],
        "identical": by_host["host1"] == by_host["host2"],
        "replicated_tables": tables,
        "subscriptions": subscriptions,
        "tree_valid": {host: problems == "([], [], [], [], [])"
                       for host, problems in trees.items()},
    }
    result["valid"] = (not result["anomalies"] and result["identical"]
                       and all(s == "replicating" for s in subscriptions.values())
                       and all(result["tree_valid"].values()))
    return result, verdicts
