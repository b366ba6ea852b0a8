"""Failed sign-ins per email address and failed pairings per teacher, counted on both hosts.

nginx limits requests per client address (the nginx role); these limits follow the account,
whichever host and whichever address the attempts come from, because the attempts are rows
in a replicated table. An attempt over its limit is refused with 429 and Retry-After before
a password is hashed or a code is looked up.

The limits are the same on both hosts, so they are written here, not read from the
environment. Each attempt carries the time of the host that wrote it, and the other host
compares it with its own clock: the hosts' clocks must agree to within seconds (NTP,
chapter 8), which is plenty for windows of minutes.
"""

import json
import math
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils import timezone

from eduworld.accounts.models import normalise_email

from .models import FailedAttempt


@dataclass(frozen=True)
class Rule:
    kind: str
    attempts: int          # failed attempts allowed within the window; the next is refused
    window: timedelta
    what: str              # for the message: "too many <what>"
    failed: tuple          # the answers that count as a failed attempt


# --8<-- [start:rules]
SIGN_IN = Rule("sign-in", attempts=10, window=timedelta(minutes=15),
               what="failed sign-ins for this email address", failed=(400,))
PAIRING = Rule("pairing", attempts=10, window=timedelta(minutes=10),
               what="failed pairings for this account", failed=(400, 404))
# --8<-- [end:rules]


def retry_after(rule, subject, now=None):
    """Seconds until `subject` may try again, or None while it is under the limit."""
    now = now or timezone.now()
    # The attempts-th newest failure in the window: once it leaves the window, fewer than
    # `attempts` are left, and the next try is allowed.
    oldest_counted = list(
        FailedAttempt.objects.filter(kind=rule.kind, subject=subject, at__gt=now - rule.window)
        .order_by("-at").values_list("at", flat=True)[rule.attempts - 1:rule.attempts])
    if not oldest_counted:
        return None
    return max(1, math.ceil((oldest_counted[0] + rule.window - now).total_seconds()))


def record(rule, subject, now=None):
    now = now or timezone.now()
    FailedAttempt.objects.create(kind=rule.kind, subject=subject, at=now)
    # Attempts older than the window count for nothing: drop this subject's (a few rows).
    FailedAttempt.objects.filter(kind=rule.kind, subject=subject,
                                 at__lte=now - rule.window).delete()


def too_many(rule, seconds):
    response = JsonResponse({"detail": f"Too many {rule.what}: try again in {seconds} s."},
                            status=429)
    response["Retry-After"] = str(seconds)
    return response


def email_in(request):
    """The normalised email a sign-in names, or None (bad input: the view answers it)."""
    try:
        if request.content_type == "application/json":
            data = json.loads(request.body or b"{}")
        else:
            data = request.POST
    except (ValueError, RequestDataTooBig):
        return None
    email = data.get("email") if isinstance(data, dict) else None
    if not isinstance(email, str) or not email.strip():
        return None
    return normalise_email(email)[:254]


def rule_for(request):
    """(rule, subject) when the request is a sign-in or a pairing; (None, None) otherwise."""
    if request.method != "POST":
        return None, None
    try:
        name = resolve(request.path_info).url_name
    except Resolver404:
        return None, None
    if name == "login":
        email = email_in(request)
        return (SIGN_IN, email) if email else (None, None)
    if name == "board-pair" and request.user.is_authenticated:
        return PAIRING, str(request.user.pk)
    return None, None


class FailedAttemptLimitMiddleware:
    """Refuse a sign-in or pairing over its limit with 429; count the ones that fail.

    A middleware, not part of the views: it runs outside the request's transaction
    (ATOMIC_REQUESTS wraps only the view), so a failed attempt stays recorded although the
    view's own transaction rolls back when it refuses.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rule, subject = rule_for(request)
        if rule is None:
            return self.get_response(request)
        wait = retry_after(rule, subject)
        if wait is not None:
            return too_many(rule, wait)
        response = self.get_response(request)
        if response.status_code in rule.failed:
            record(rule, subject)
        return response
