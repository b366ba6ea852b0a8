"""Uploads: only allowed types, read from the content; the file first, then its row.

A row never points at a missing file, and a file whose row does not commit is removed again
(eduworld.assets.files); at worst, a crash between the two leaves a file that no row names.
"""

import hashlib

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.parsers import MultiPartParser

from eduworld.core.idempotency import new_id
from eduworld.curriculum.models import Kind

from . import sniff
from .files import save_until_committed
from .models import Asset
from .serializers import AssetSerializer


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "The file is too large."


class IsOwnerOrReadOnly(permissions.BasePermission):
    message = "Only the teacher who uploaded this file can delete it."

    def has_object_permission(self, request, view, obj):
        return request.method in permissions.SAFE_METHODS or obj.owner_id == request.user.id


class AssetViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                   mixins.DestroyModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AssetSerializer
    parser_classes = [MultiPartParser]
    permission_classes = [permissions.IsAuthenticated, IsOwnerOrReadOnly]
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self):
        user = self.request.user
        return Asset.objects.filter(Q(owner=user) | Q(node__published=True)).order_by("created")

    def perform_create(self, serializer):
        node = serializer.validated_data["node"]
        upload = serializer.validated_data["file"]
        if node.kind != Kind.LESSON:
            raise exceptions.ValidationError({"node": "Files belong to lessons."})
        if node.owner_id != self.request.user.id:
            raise exceptions.ValidationError({"node": "You can only add files to your lessons."})
        if upload.size > settings.MAX_UPLOAD_BYTES:
            raise PayloadTooLarge(f"The limit is {settings.MAX_UPLOAD_BYTES} bytes.")
        if upload.size == 0:
            raise exceptions.ValidationError({"file": "The file is empty."})
        try:
            found = sniff.sniff(upload)  # the client's name and Content-Type are not asked
        except sniff.Refused as refused:
            raise exceptions.ValidationError({"file": str(refused)}) from None
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        asset = Asset(id=new_id(self.request), node=node, owner=self.request.user,
                      name=upload.name[:200], content_type=found.mime,
                      size=upload.size, sha256=digest.hexdigest())
        with transaction.atomic():
            # Removed again at the end of the request unless this savepoint and the
            # request's transaction both commit.
            save_until_committed(asset.file, upload.name, upload)
            asset.save()
        serializer.instance = asset

    # Deleting: the file goes after the transaction commits (eduworld.assets.files).
