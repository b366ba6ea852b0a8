"""Sign-in with a database-backed session, protected by CSRF like every other write."""

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.generics import RetrieveUpdateAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import normalise_email
from .serializers import LoginSerializer, UserSerializer

CsrfSerializer = inline_serializer("Csrf", {"csrf_token": serializers.CharField()})


@method_decorator(ensure_csrf_cookie, name="get")
@method_decorator(csrf_protect, name="post")
class LoginView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses=CsrfSerializer, summary="Get the CSRF cookie before signing in")
    def get(self, request):
        return Response({"csrf_token": get_token(request)})

    @extend_schema(request=LoginSerializer, responses={200: UserSerializer})
    def post(self, request):
        form = LoginSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = authenticate(
            request, username=normalise_email(form.validated_data["email"]),
            password=form.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": "Wrong email address or password."}, status=status.HTTP_400_BAD_REQUEST
            )
        login(request, user)
        return Response(UserSerializer(user).data)


class LogoutView(APIView):
    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(RetrieveUpdateAPIView):
    serializer_class = UserSerializer
    http_method_names = ["get", "patch", "options"]

    def get_object(self):
        return self.request.user
