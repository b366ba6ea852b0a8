import json

from rest_framework import serializers

from .models import User

MAX_PREFERENCES_BYTES = 16 * 1024


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "name", "preferences"]
        read_only_fields = ["id", "email"]

    def validate_preferences(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError("Preferences must be a JSON object.")
        if len(json.dumps(value)) > MAX_PREFERENCES_BYTES:
            raise serializers.ValidationError("Preferences are limited to 16 KiB.")
        return value
