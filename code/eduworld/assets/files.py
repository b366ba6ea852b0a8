"""Files follow their rows: written before the row commits, removed only after it is gone.

Writing an upload: the file is written first, under its final name, and the row after it,
so that a committed row never names a missing file. If the row never commits (an error in
the view, or later: the Idempotency-Key record in the same transaction, a foreign key
checked at COMMIT), the file must go again. Django has on_commit but no "on rollback", so
this module makes one, per request: each file written registers an on_commit callback that
marks it kept. A callback whose savepoint or transaction rolls back is discarded by Django.
UncommittedFilesMiddleware, outside every transaction of the request, removes each file
whose callback neither ran nor is still queued (a test's outer transaction, which is
committed or not by the test). A crash between writing and that point leaves a file that
no row names: nothing links to it and the next sync carries it harmlessly.

Deleting: the post_delete signal (an asset deleted, or a lesson or its subject deleted with
its assets by cascade) removes the file when the transaction commits, never before: a
rolled-back delete leaves row and file as they were.
"""

import contextlib
import contextvars
import os

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Asset

_written = contextvars.ContextVar("eduworld_uncommitted_files", default=None)


class UncommittedFilesMiddleware:
    """Removes, at the end of each request, the files whose transaction did not commit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        written = []
        token = _written.set(written)
        try:
            return self.get_response(request)
        finally:
            _written.reset(token)
            remove_uncommitted(written)


def save_until_committed(field_file, name, content):
    """field_file.save(name, content), removed again unless the transaction commits."""
    intended = field_file.field.generate_filename(field_file.instance, name)
    existed = field_file.storage.exists(intended)
    try:
        field_file.save(name, content, save=False)
    except BaseException:
        if not existed:  # a half-written file (a full disk), not someone else's
            remove(field_file.storage, intended)
        raise
    written = _written.get()
    if written is None:  # not in a request (a command, a shell): no one would clean up
        return
    entry = {"storage": field_file.storage, "name": field_file.name, "kept": False}

    def keep():
        entry["kept"] = True

    entry["keep"] = keep
    written.append(entry)
    transaction.on_commit(keep)


def remove_uncommitted(written):
    queued = {id(func) for _sids, func, _robust in transaction.get_connection().run_on_commit}
    for entry in written:
        if not entry["kept"] and id(entry["keep"]) not in queued:
            remove(entry["storage"], entry["name"])


def remove(storage, name):
    """Remove a stored file and its asset's folder, if that is now empty."""
    storage.delete(name)
    folder = os.path.dirname(name)  # assets/<uuid>: never MEDIA_ROOT itself
    # Unless not empty, already gone, or a storage without folders.
    with contextlib.suppress(OSError, NotImplementedError):
        if folder:
            os.rmdir(storage.path(folder))


@receiver(post_delete, sender=Asset, dispatch_uid="eduworld.assets.remove_file")
def remove_file_after_commit(sender, instance, **kwargs):
    storage, name = instance.file.storage, instance.file.name
    if name:
        transaction.on_commit(lambda: remove(storage, name), robust=True)
