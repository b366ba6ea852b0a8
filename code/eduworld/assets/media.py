"""Serving uploaded media so that nothing in a file runs in EduWorld's origin.

In production nginx serves /media/ with the same headers (the nginx role's site); Django
serves it only with DEBUG on (`make demo`, no nginx in front). Both take the type from the
stored name's extension, which the upload derived from the content (eduworld.assets.sniff).
"""

import posixpath

from django.conf import settings
from django.urls import path
from django.views.static import serve

from .sniff import BY_EXTENSION

# --8<-- [start:headers]
# sandbox: the file is its own opaque origin (no scripts, forms, pop-ups, cookies, or
# same-origin requests), even if a browser renders it as a document; default-src 'none':
# it loads nothing; img-src/media-src 'self' and inline styles: what a browser's own viewer
# of an opened image or video needs.
CONTENT_SECURITY_POLICY = ("sandbox; default-src 'none'; img-src 'self'; media-src 'self'; "
                           "style-src 'unsafe-inline'")
# --8<-- [end:headers]


def serve_media(request, path):
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    extension = posixpath.splitext(path)[1].lstrip(".")
    found = BY_EXTENSION.get(extension)
    response["Content-Type"] = found.mime if found else "application/octet-stream"
    response["Content-Disposition"] = "inline" if found and found.inline else "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def media_urlpatterns():
    return [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve_media)]
