from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from eduworld.core.idempotency import new_id

from . import commands
from .models import Board
from .serializers import (
    BoardSerializer,
    PairSerializer,
    RegisteredBoardSerializer,
    RemoteTokenSerializer,
)


class BoardViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin,
                   viewsets.GenericViewSet):
    """Boards. A board registers itself (no sign-in) and shows its code; a teacher pairs."""

    serializer_class = BoardSerializer
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_permissions(self):
        # The board has no account: it may register, and read itself by its UUID.
        if self.action in ("create", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        if self.action == "retrieve":
            return Board.objects.all()
        # Newest first: the board a teacher just set up heads the remote's list.
        return Board.objects.filter(teacher=self.request.user).order_by("-created")

    def perform_create(self, serializer):
        serializer.instance = Board.create_with_code(serializer.validated_data["name"],
                                                     id=new_id(self.request))

    @extend_schema(responses={201: RegisteredBoardSerializer})
    def create(self, request, *args, **kwargs):
        # The board's token is in this answer only: it lets the board listen (chapter 5).
        response = super().create(request, *args, **kwargs)
        response.data["token"] = commands.board_token(Board(pk=response.data["id"]))
        return response

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        if data["paired"]:
            data["code"] = None
        return Response(data)

    @extend_schema(request=PairSerializer, responses=BoardSerializer)
    @action(detail=False, methods=["post"])
    def pair(self, request):
        form = PairSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        board = (Board.objects.select_for_update()
                 .filter(code=form.validated_data["code"], code_expires__gte=timezone.now())
                 .first())
        if board is None:
            raise exceptions.NotFound("No board shows this code (it may have expired).")
        board.pair(request.user)
        commands.paired(board, request.user)
        return Response(BoardSerializer(board).data)

    @extend_schema(request=None, responses=RemoteTokenSerializer)
    @action(detail=True, methods=["post"])
    def remote(self, request, pk=None):
        """A token for the remote's websocket (chapter 5), for a board paired with you."""
        board = self.get_object()
        return Response({"token": commands.remote_token(board, request.user)})
