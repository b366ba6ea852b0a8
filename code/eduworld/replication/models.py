from django.db import models


class Heartbeat(models.Model):
    """One row per host, rewritten every second by that host's replication watcher.

    The row replicates like any other: on the other host, its age says how far behind
    replication from this host is, in seconds (chapter 2).
    """

    host = models.CharField(max_length=100, primary_key=True)
    beat = models.DateTimeField()

    def __str__(self):
        return f"{self.host} @ {self.beat}"
