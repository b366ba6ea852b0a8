"""Every error the API returns is JSON with a `detail` message, and never a 500 for bad input."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # Model-level validation and values the database refuses (a string too long for a
    # column, say) are the client's fault: report them as 400, not as a crash.
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=exc.message_dict if hasattr(exc, "error_dict")
                                         else exc.messages)
    elif isinstance(exc, DataError):
        exc = exceptions.ValidationError(detail={"detail": "A value does not fit: " + str(exc).
                                                 splitlines()[0]})
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        response.data = {"detail": response.data}
    return response


def not_found(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def csrf_failure(request, reason=""):
    # Django's own page is HTML; the app shows `detail` to the teacher.
    return JsonResponse({"detail": "This request was refused as a possible forgery (CSRF): "
                                   "reload the page and try again."}, status=403)


def server_error(request):
    return JsonResponse({"detail": "Server error. The host's log has the details."}, status=500)


def bad_request(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)


def permission_denied(request, exception=None):
    return JsonResponse({"detail": "Permission denied."}, status=403)
