"""The two mails EduWorld sends (chapter 7): an invitation for a colleague, and a new password.

Both fit what EduWorld is: teachers of one school prepare lessons together, so a teacher
brings in a colleague by invitation (there is no open sign-up), and a teacher who forgot
a password gets a link. Each request writes its mail into the outbox in the request's own
transaction (ATOMIC_REQUESTS) and answers at once: no request waits on a provider.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import login, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from eduworld.core.idempotency import new_id
from eduworld.db.locks import xact_lock
from eduworld.mail.models import Delivery, Mail
from eduworld.mail.outbox import LANGUAGE_CHOICES, language_of, queue

from .models import Invitation, User, normalise_email
from .serializers import UserSerializer

INVITATION_DAYS = 14
RESETS_PER_HOUR = 3  # per address, counted on both hosts (mails are replicated rows)
SIGNER = signing.Signer(salt="eduworld.invitation")
ACCEPTED = "This invitation was accepted already: sign in instead."


def app_link(fragment):
    return settings.MAIL["app_url"].rstrip("/") + "/#" + fragment


def mail_state(mail):
    """What became of a mail, for the teacher: queued, sent (by which provider) or rejected
    (with the provider's reason). Attempts that failed and were retried are counted."""
    deliveries = sorted(mail.deliveries.all(), key=lambda d: d.at)  # prefetched for a list
    final = next((d for d in deliveries if d.outcome in Delivery.FINAL), None)
    return {"message_id": mail.message_id,
            "state": final.outcome if final else "queued",
            "provider": final.provider if final else None,
            "reason": final.reason if final else "",
            "failed_attempts": sum(d.outcome == Delivery.FAILED for d in deliveries)}


class InvitationSerializer(serializers.ModelSerializer):
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)
    mail = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "name", "language", "created", "mail"]
        read_only_fields = ["id", "created"]

    @extend_schema_field(inline_serializer("MailState", {
        "message_id": serializers.CharField(),
        "state": serializers.ChoiceField(choices=["queued", "sent", "rejected"]),
        "provider": serializers.CharField(allow_null=True),
        "reason": serializers.CharField(),
        "failed_attempts": serializers.IntegerField(),
    }))
    def get_mail(self, invitation):
        return mail_state(invitation.mail)


class InvitationsView(APIView):
    @extend_schema(responses=InvitationSerializer(many=True),
                   summary="The invitations this teacher sent, and what became of each mail")
    def get(self, request):
        invitations = (Invitation.objects.filter(invited_by=request.user)
                       .select_related("mail").prefetch_related("mail__deliveries")
                       .order_by("-created")[:100])
        return Response(InvitationSerializer(invitations, many=True).data)

    # --8<-- [start:invite]
    @extend_schema(request=InvitationSerializer, responses={201: InvitationSerializer},
                   summary="Invite a colleague: the mail is queued, not sent, in this request")
    def post(self, request):
        form = InvitationSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        email = normalise_email(form.validated_data["email"])
        if User.objects.filter(email=email).exists():
            raise exceptions.ValidationError({"email": ["This colleague already has an account."]})
        today = Invitation.objects.filter(invited_by=request.user,
                                          created__gte=timezone.now() - timedelta(days=1))
        limit = settings.MAIL["invitations_per_day"]
        if today.count() >= limit:
            raise exceptions.Throttled(detail=f"You sent {limit} invitations in the last day: "
                                              "try again tomorrow.")
        language = form.validated_data.get("language") or language_of(
            request.user.preferences.get("language"), "nl")
        invitation_id = new_id(request)  # a retry on the other host: the same invitation
        name = form.validated_data.get("name", "")
        mail = queue("invitation", email, language, mail_id=new_id(request, "mail"), context={
            "inviter": request.user.name or request.user.email, "name": name,
            "link": app_link(f"join/{SIGNER.sign(str(invitation_id))}")})
        invitation = Invitation.objects.create(
            id=invitation_id, email=email, name=name, language=mail.language,
            invited_by=request.user, mail=mail)
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)
    # --8<-- [end:invite]


class JoinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


@method_decorator(csrf_protect, name="post")
class JoinView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=JoinSerializer, responses={201: UserSerializer},
                   summary="Accept an invitation: choose a password, and be signed in")
    def post(self, request):
        form = JoinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        invitation = self.invitation(form.validated_data["token"])
        if User.objects.filter(email=invitation.email).exists():
            raise exceptions.ValidationError({"detail": ACCEPTED})
        checked_password(form.validated_data["password"], User(email=invitation.email))
        try:
            user = User.objects.create_user(
                invitation.email, form.validated_data["password"],
                name=form.validated_data.get("name") or invitation.name,
                preferences={"language": invitation.language})
        except ValidationError:  # the same invitation accepted at the same moment, here
            raise exceptions.ValidationError({"detail": ACCEPTED}) from None
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def invitation(token):
        unusable = exceptions.ValidationError(
            {"detail": "This invitation link is not valid (any more): ask for a new one."})
        try:
            invitation = Invitation.objects.get(pk=SIGNER.unsign(token))
        except (signing.BadSignature, Invitation.DoesNotExist, ValidationError, ValueError):
            raise unusable from None
        if timezone.now() - invitation.created > timedelta(days=INVITATION_DAYS):
            raise unusable
        return invitation


def checked_password(password, user):
    try:
        password_validation.validate_password(password, user)
    except ValidationError as err:
        raise exceptions.ValidationError({"password": err.messages}) from None


class ResetSerializer(serializers.Serializer):
    email = serializers.EmailField()
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


@method_decorator(csrf_protect, name="post")
class PasswordResetView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=ResetSerializer, responses={202: None},
                   summary="Ask for a mail with a link to choose a new password")
    def post(self, request):
        form = ResetSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        email = normalise_email(form.validated_data["email"])
        user = User.objects.filter(email=email, is_active=True).first()
        xact_lock(f"password-reset:{email}")  # one count at a time on this host
        recent = Mail.objects.filter(kind="password-reset", to=email,
                                     created__gte=timezone.now() - timedelta(hours=1)).count()
        if user is not None and recent < RESETS_PER_HOUR:
            language = form.validated_data.get("language") or language_of(
                user.preferences.get("language"), "nl")
            queue("password-reset", email, language, context={
                "name": user.name, "email": email,
                "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
                "link": app_link(f"reset/{user.pk}/{default_token_generator.make_token(user)}")})
        # The same answer whether or not the address has an account: it tells nobody which
        # addresses do.
        return Response({"detail": "If this address has an account, a mail with a link to "
                                   "choose a new password is on its way."},
                        status=status.HTTP_202_ACCEPTED)


class NewPasswordSerializer(serializers.Serializer):
    user = serializers.UUIDField()
    token = serializers.CharField(max_length=100)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


@method_decorator(csrf_protect, name="post")
class NewPasswordView(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(request=NewPasswordSerializer, responses={204: None},
                   summary="Choose a new password with the link from the mail")
    def post(self, request):
        form = NewPasswordSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = User.objects.filter(pk=form.validated_data["user"], is_active=True).first()
        if user is None or not default_token_generator.check_token(
                user, form.validated_data["token"]):
            raise exceptions.ValidationError(
                {"detail": "This link is not valid (any more): ask for a new one."})
        checked_password(form.validated_data["password"], user)
        user.set_password(form.validated_data["password"])
        user.save(update_fields=["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)
