import re
import unicodedata
import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models

from .sniff import ALLOWED


# --8<-- [start:upload-path]
def upload_path(asset, filename):
    """assets/<the asset's UUID>/<the client's name, less its extension>.<derived extension>

    One folder per asset: two hosts never write the same name, and csync2 (chapter 4) syncs
    whole files. The extension comes from the type read from the content, never from the
    client: nginx serves a file with the type its extension names. The rest is ASCII
    (accents dropped), so that no URL, file system or sync tool has to agree on encodings.
    """
    stem = unicodedata.normalize("NFKD", PurePath(filename).stem).encode("ascii", "ignore")
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", stem.decode()).strip("._")[:100] or "file"
    return f"assets/{asset.id}/{stem}.{ALLOWED[asset.content_type].extension}"
# --8<-- [end:upload-path]


class Asset(models.Model):
    """A file attached to a lesson (a picture, a worksheet), stored under MEDIA_ROOT."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    node = models.ForeignKey("curriculum.Node", on_delete=models.CASCADE, related_name="assets")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    file = models.FileField(upload_to=upload_path, max_length=200)
    name = models.CharField(max_length=200)
    # The type the server read from the content (eduworld.assets.sniff), not the client's.
    content_type = models.CharField(max_length=100, choices=[(t.mime, t.label)
                                                             for t in ALLOWED.values()])
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.name
