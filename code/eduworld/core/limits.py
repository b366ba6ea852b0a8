"""Refuse a request body that is too large before anything reads it."""

from django.conf import settings
from django.http import JsonResponse


class BodySizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Content-Length is not a number."}, status=400)
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return too_large()
        return self.get_response(request)


def too_large():
    limit_mib = settings.MAX_UPLOAD_BYTES / (1024 * 1024)
    return JsonResponse(
        {"detail": f"Request body too large: the limit is {limit_mib:g} MiB."}, status=413
    )
