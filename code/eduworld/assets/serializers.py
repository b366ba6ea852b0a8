from rest_framework import serializers

from .models import Asset


class AssetSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields = ["id", "node", "file", "url", "name", "content_type", "size", "sha256", "created"]
        read_only_fields = ["id", "url", "name", "content_type", "size", "sha256", "created"]
        extra_kwargs = {"file": {"write_only": True}}

    def get_url(self, asset) -> str:
        return asset.file.url
