"""This host's lane: the values it may give, so that two hosts never give the same one.

Each host of the pair has its own lane of numbers (settings.LANE of settings.LANES, from
the host's place in the inventory): with two hosts, host1's are the even numbers and host2's
the odd ones. The curriculum numbers new tree paths in it (curriculum/models.py), the repair
of orphans moves only the nodes placed in it (curriculum/orphans.py), and boards draw their
pairing codes from it (boards/models.py).
"""

from django.conf import settings


def lane():
    """This host's lane: 0, 1, ... up to lanes() - 1."""
    return settings.LANE


def lanes():
    """How many lanes there are: one per host."""
    return settings.LANES


def in_lane(n):
    """Whether n is in this host's lane."""
    return n % lanes() == lane()


def next_in_lane(n):
    """The smallest number in this host's lane that is not below n."""
    return n + (lane() - n) % lanes()


def below(limit):
    """Every number in this host's lane from 0 up to (not including) limit."""
    return range(lane(), limit, lanes())
