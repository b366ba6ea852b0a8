import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils.text import get_valid_filename


# --8<-- [start:upload-path]
def upload_path(asset, filename):
    # One folder per asset: names never collide, and csync2 (chapter 4) syncs whole files.
    name = get_valid_filename(PurePath(filename).name)[-100:] or "file"
    return f"assets/{asset.id}/{name}"
# --8<-- [end:upload-path]


class Asset(models.Model):
    """A file attached to a lesson (a picture, a worksheet), stored under MEDIA_ROOT."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.ForeignKey("curriculum.Node", on_delete=models.CASCADE, related_name="assets")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    file = models.FileField(upload_to=upload_path, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name
