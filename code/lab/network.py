"""The lab's wiring: a bridge on this machine, and per host a namespace and a veth "cable".

Only names that start with `ewlab` are ever created or removed.
"""

from pathlib import Path

from . import config
from .shell import LabError, output, run


def exists(kind, name):
    if kind == "netns":
        return name in output("ip", "netns", "list").split()
    return run("ip", "link", "show", name, check=False, quiet=True).returncode == 0


def check_subnet_is_free():
    taken = output("ip", "-4", "-o", "addr", "show")
    for line in taken.splitlines():
        if f" {config.SUBNET}." in line and config.BRIDGE not in line:
            raise LabError(f"{config.SUBNET}.0/24 is already used on this machine:\n{line}\n"
                           "Change SUBNET in code/lab/config.py.")


def create_bridge():
    if not exists("link", config.BRIDGE):
        check_subnet_is_free()
        run("ip", "link", "add", config.BRIDGE, "type", "bridge")
        run("ip", "addr", "add", f"{config.BRIDGE_ADDRESS}/24", "dev", config.BRIDGE)
    run("ip", "link", "set", config.BRIDGE, "up")
    # The machine must not route lab packets anywhere: they stay on the bridge.
    if Path("/proc/sys/net/ipv4/ip_forward").read_text().strip() != "0":
        print("warning: net.ipv4.ip_forward is on: lab hosts could reach beyond this machine")


def plug_host(host):
    plug(host, config.ADDRESSES[host])


def plug(name, address):
    """A namespace with one cable to the bridge: a host's, or the third party's."""
    ns, veth = config.netns(name), config.host_veth(name)
    if not exists("netns", ns):
        run("ip", "netns", "add", ns)
    if not exists("link", veth):
        run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns)
        run("ip", "link", "set", veth, "master", config.BRIDGE)
        run("ip", "-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "route", "add", "default", "via", config.BRIDGE_ADDRESS)
    cable(name, plugged=True)


def cable(host, plugged):
    run("ip", "link", "set", config.host_veth(host), "up" if plugged else "down")


def cable_plugged(host):
    flags = output("ip", "-o", "link", "show", config.host_veth(host)).split("<")[1].split(">")[0]
    return "UP" in flags.split(",")


def partition(on):
    """host1 and host2 cannot reach each other; this machine still reaches both."""
    for host, peer in (("host1", "host2"), ("host2", "host1")):
        route = ["route", "add" if on else "del", "blackhole", f"{config.ADDRESSES[peer]}/32"]
        run("ip", "-n", config.netns(host), *route, check=on, quiet=True)


def partitioned():
    routes = output("ip", "-n", config.netns("host1"), "route", "show", check=False)
    return "blackhole" in routes


def remove_all():
    for host in (*config.HOSTS, config.MAIL):
        if exists("link", config.host_veth(host)):
            run("ip", "link", "del", config.host_veth(host))
        if exists("netns", config.netns(host)):
            run("ip", "netns", "del", config.netns(host))
    if exists("link", config.BRIDGE):
        run("ip", "link", "del", config.BRIDGE)
