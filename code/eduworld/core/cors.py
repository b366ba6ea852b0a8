"""Cross-origin requests from the teacher's app (chapter 6), and from nowhere else.

The app is served by www and by both hosts, and sends each request to whichever host
answers: a page from www.eduworld.test asks host2.eduworld.test, another origin. The
browser lets it read the answer, and send the session cookie, only when the answer names
that exact origin and allows credentials. A wildcard is never sent: with credentials the
browser would refuse it, and without them any site could read a teacher's lessons.
"""

from django.conf import settings
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

# What the app sends besides a simple request's: JSON bodies, the CSRF token, the key that
# makes a retried write create one object (core.idempotency).
ALLOWED_HEADERS = "Content-Type, X-CSRFToken, Idempotency-Key"
ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE"
# A preflight is an extra round trip before every write: the browser may keep the answer
# this long (Chromium caps it at 2 hours).
PREFLIGHT_MAX_AGE = "600"


class CorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        origin = request.headers.get("Origin")
        allowed = origin in settings.CORS_ALLOWED_ORIGINS
        preflight = (request.method == "OPTIONS"
                     and "Access-Control-Request-Method" in request.headers)
        if preflight and allowed:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
        else:
            # A preflight from an origin not listed gets an answer without the headers:
            # the browser then refuses to send the request itself.
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
        # Caches must not give one origin's answer to another.
        patch_vary_headers(response, ["Origin"])
        return response
