"""A circuit breaker per provider: a provider that keeps failing is set aside for a while.

Closed: the provider is used. After `failures` failures in a row it opens: the sender
skips it for `cooldown` seconds, so that no mail waits on a provider that hangs. Then the
next mail tries it once (half-open): a success closes the breaker and mail goes back to
it; a failure opens it for another cooldown. Time is this process's monotonic clock.
"""

import time


class Breaker:
    def __init__(self, failures=2, cooldown=15.0, clock=time.monotonic):
        self.failures, self.cooldown, self.clock = failures, cooldown, clock
        self.in_a_row = 0
        self.opened_at = None

    @property
    def state(self):
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.cooldown else "open"

    def available(self):
        return self.state != "open"

    def succeeded(self):
        self.in_a_row, self.opened_at = 0, None

    def failed(self):
        self.in_a_row += 1
        if self.opened_at is not None or self.in_a_row >= self.failures:
            self.opened_at = self.clock()  # a failed trial opens it again, for a full cooldown
