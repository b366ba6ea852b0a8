from rest_framework import serializers

from .models import CODE_DIGITS, Board


class BoardSerializer(serializers.ModelSerializer):
    paired = serializers.SerializerMethodField()

    class Meta:
        model = Board
        fields = ["id", "name", "code", "code_expires", "paired", "created"]
        read_only_fields = ["id", "code", "code_expires", "paired", "created"]

    def get_paired(self, board) -> bool:
        return board.teacher_id is not None


class PairSerializer(serializers.Serializer):
    code = serializers.RegexField(rf"^\d{{{CODE_DIGITS}}}$", help_text="The code the board shows",
                                  error_messages={"invalid": f"A code is {CODE_DIGITS} digits."})


class RemoteTokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown to the realtime service in the remote's hello")


class RegisteredBoardSerializer(BoardSerializer):
    token = serializers.CharField(read_only=True,
                                  help_text="The board shows it in its websocket hello")

    class Meta(BoardSerializer.Meta):
        fields = [*BoardSerializer.Meta.fields, "token"]
