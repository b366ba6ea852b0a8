"""The outbox as /api/health/ shows it: this host's queue, what was sent and by which
provider, what failed, and what this host's sender says about its providers."""

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from .models import Delivery, SenderLease
from .sender import pending


def mail_status():
    host = settings.HOST_NAME
    queued = pending().filter(host=host).aggregate(n=Count("id"), oldest=Min("created"))
    done = (Delivery.objects.filter(host=host).values("outcome", "provider")
            .annotate(n=Count("id")))
    lease = SenderLease.objects.filter(host=host).first()
    by = {outcome: {} for outcome, _ in Delivery.OUTCOMES}
    for row in done:
        by[row["outcome"]][row["provider"]] = row["n"]
    oldest = queued["oldest"]
    return {
        "queued": queued["n"],
        "oldest_queued_seconds": round((timezone.now() - oldest).total_seconds(), 1)
        if oldest else None,
        "sent": by[Delivery.SENT],            # by this host's sender, per provider
        "rejected": sum(by[Delivery.REJECTED].values()),
        "failed_attempts": by[Delivery.FAILED],
        "sender": {"beat": lease.beat, **lease.state} if lease else None,
    }
