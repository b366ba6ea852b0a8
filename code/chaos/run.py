"""Clients and a nemesis, at the same time, for a bounded time; the history they leave.

Every client is the demo teacher in a program of its own: it creates subjects and updates the
ones it created, on a host it picks at random. A request that gets no answer, or a 5xx, is
sent again to the other host, with the same Idempotency-Key for a create, as a browser's
switching logic would (chapter 6). Each operation ends in the history as `ok` (a 2xx answer:
acknowledged) or `unknown` (no host answered: it may or may not have been written).

The nemesis makes one fault at a time from a schedule drawn from the seed: power a host off
(and boot it), cut its cable, partition the pair, pause a service (SIGSTOP). Every fault is
undone when its time is up, and everything is undone when the run ends. Traffic goes only to
the lab's two hosts.
"""

import random
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field

import requests

from lab import config, control, hosts
from lab.client import Api

FAULTS = ("poweroff", "cut", "partition", "pause")
SERVICES = ("eduworld", "postgresql", "nginx")
TIMEOUT = 3  # seconds a client waits for one answer before it tries the other host


@dataclass
class Operation:
    client: int
    kind: str          # "create" or "update"
    title: str         # a created subject's title: unique in the run, how the checker finds it
    value: int         # the body's version this operation writes ("v3" is 3; a create is 0)
    started: float
    ended: float = 0.0
    outcome: str = "unknown"   # "ok" once a host answered 2xx
    hosts: list = field(default_factory=list)  # each host tried, in order


@dataclass
class Fault:
    kind: str
    target: str        # a host, "host1/host2" for a partition, "host:service" for a pause
    started: float
    ended: float = 0.0


def schedule(seed, seconds):
    """The nemesis's plan: (start, duration, kind, host, service), one fault at a time."""
    rng = random.Random(seed)
    plan, now = [], rng.uniform(2, 5)
    while True:
        duration = rng.uniform(4, 10)
        if now + duration > seconds - 2:
            return plan
        plan.append((now, duration, rng.choice(FAULTS), rng.choice(config.HOSTS),
                     rng.choice(SERVICES)))
        now += duration + rng.uniform(3, 6)  # the pair settles between faults


class Nemesis(threading.Thread):
    def __init__(self, plan, clock):
        super().__init__(daemon=True)
        self.plan, self.clock, self.faults = plan, clock, []
        self.error = None

    def run(self):
        try:
            for start, duration, kind, host, service in self.plan:
                time.sleep(max(0.0, start - self.clock()))
                fault = Fault(kind, self.target(kind, host, service), self.clock())
                self.faults.append(fault)
                self.make(kind, host, service)
                time.sleep(max(0.0, start + duration - self.clock()))
                self.undo(kind, host, service)
                fault.ended = self.clock()
        except Exception as err:  # noqa: BLE001 - reported by the run, after everything is undone
            self.error = err

    @staticmethod
    def target(kind, host, service):
        return {"partition": "/".join(config.HOSTS), "pause": f"{host}:{service}"}.get(kind, host)

    @staticmethod
    def make(kind, host, service):
        if kind == "poweroff":
            control.poweroff(host)
        elif kind == "cut":
            control.cut(host)
        elif kind == "partition":
            control.partition()
        else:
            control.pause(host, service)

    @staticmethod
    def undo(kind, host, service):
        if kind == "poweroff":
            control.boot(host)
        elif kind == "pause":
            control.resume(host, service)
        else:
            control.heal()


class Client(threading.Thread):
    def __init__(self, number, run_id, seed, clock, until):
        super().__init__(daemon=True)
        self.number, self.run_id, self.clock, self.until = number, run_id, clock, until
        self.rng = random.Random(f"{seed}-{number}")
        self.apis = {host: Api(host, timeout=TIMEOUT) for host in config.HOSTS}
        self.history, self.created = [], []  # created: [title, id, version] acknowledged
        self.count = 0

    def sign_in(self):
        for api in self.apis.values():
            api.sign_in()

    def run(self):
        while self.clock() < self.until:
            if self.created and self.rng.random() < 0.4:
                self.update(self.rng.choice(self.created))
            else:
                self.create()
            time.sleep(self.rng.uniform(0.05, 0.3))

    def hosts_to_try(self):
        first = self.rng.choice(config.HOSTS)
        other = next(h for h in config.HOSTS if h != first)
        return [first, other, first]

    def attempt(self, operation, send):
        """Send until a host answers 2xx, at most three tries; record what happened."""
        for host in self.hosts_to_try():
            operation.hosts.append(host)
            try:
                response = send(self.apis[host])
            except requests.RequestException:
                continue
            if response.ok:
                operation.outcome = "ok"
                return response
            if response.status_code < 500:  # refused for a reason: another try is the same
                break
        return None

    def create(self):
        self.count += 1
        title = f"chaos {self.run_id} c{self.number} n{self.count}"
        operation = Operation(self.number, "create", title, 0, self.clock())
        key = str(uuid.uuid4())
        response = self.attempt(operation, lambda api: api.post(
            "/api/nodes/", {"kind": "subject", "title": title, "body": "v0"},
            idempotency_key=key))
        operation.ended = self.clock()
        self.history.append(operation)
        if response is not None:
            self.created.append([title, response.json()["id"], 0])

    def update(self, created):
        title, node_id, version = created
        operation = Operation(self.number, "update", title, version + 1, self.clock())
        self.attempt(operation, lambda api: api.request(
            "PATCH", f"/api/nodes/{node_id}/", {"body": f"v{version + 1}"}))
        operation.ended = self.clock()
        self.history.append(operation)
        created[2] = version + 1  # the next update writes a newer version, acknowledged or not


def run(seed, seconds, clients):
    """Run the clients and the nemesis together; every fault undone at the end.

    Returns (operations, faults) as dicts, times in seconds from the start."""
    run_id = f"{seed}-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()

    def clock():
        return round(time.monotonic() - started, 3)

    workers = [Client(n, run_id, seed, clock, seconds) for n in range(clients)]
    for worker in workers:
        worker.sign_in()
    nemesis = Nemesis(schedule(seed, seconds), clock)
    try:
        nemesis.start()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(seconds + 3 * TIMEOUT * 3)
        nemesis.join(seconds + 60)
    finally:
        undo_everything()
    if nemesis.error:
        raise RuntimeError(f"the nemesis failed: {nemesis.error!r}") from nemesis.error
    operations = [asdict(op) for worker in workers for op in worker.history]
    return run_id, operations, [asdict(fault) for fault in nemesis.faults]


def undo_everything():
    """Whatever the nemesis left: services resumed, cables in, both hosts on and serving."""
    for host in config.HOSTS:
        if hosts.pid1(host):
            for service in SERVICES:
                control.resume(host, service)
    control.heal()
    for host in config.HOSTS:
        if not hosts.pid1(host):
            control.boot(host)
