import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

# Fixed for good: a user's id is computed from the email with it.
USERS = uuid.UUID("0e5d3c7a-8b1f-5e2d-a4c6-7f9b1d3e5a20")


# --8<-- [start:user-id]
def normalise_email(email):
    return email.strip().lower()


def user_id(email):
    """A new user's id: computed from the normalised email, so that the same address signed
    up on both hosts at once is one row (settled on the primary key), not two accounts."""
    return uuid.uuid5(USERS, normalise_email(email))
# --8<-- [end:user-id]


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        # Django's lowercases the domain only: one normalisation, the one ids derive from.
        return normalise_email(email or "")

    def create_user(self, email, password=None, **fields):
        if not email or not email.strip():
            raise ValueError("A user needs an email address.")
        email = normalise_email(email)
        fields.setdefault("id", user_id(email))
        # A clear refusal on this host, for users from before ids were derived too.
        taken = ValidationError({"email": ["A user with this email address already exists."]})
        if self.filter(email=email).exists():
            raise taken
        user = self.model(email=email, **fields)
        user.set_password(password)
        try:
            with transaction.atomic(using=self._db):
                user.save(using=self._db)
        except IntegrityError as err:  # the same address at the same moment on this host
            raise taken from err
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A teacher. Signs in with an email address; keys are UUIDs like every other table's.

    Users created from now on take their id from their email (user_id); users from before
    keep theirs. The email never changes (the API offers no way), or the id would no
    longer say which address it was computed from.

    `last_login` (from AbstractBaseUser) is not written any more: signing in rewrote this
    row, and on two hosts that could undo a preferences change made on the other host at
    the same time (AccountsConfig.ready). The column keeps the values it had.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    # Free-form settings of the teacher's own (board theme, language, ...): the column that
    # the 2016 talk added by hand with downtime; chapter 3 tells that story.
    # db_default, not just default: the database fills the column for rows that arrive from
    # a host (or a release) that does not know it yet. See chapter 3.
    preferences = models.JSONField(default=dict, blank=True,
                                   db_default=models.Value({}, models.JSONField()))
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    def __str__(self):
        return self.email


class Invitation(models.Model):
    """A teacher invites a colleague by email (chapter 7). The mail is queued in the same
    transaction; the link in it carries the invitation's id, signed with the secret key
    (the same on both hosts, so either host accepts it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    language = models.CharField(max_length=5)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    mail = models.ForeignKey("mail.Mail", on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.invited_by} invites {self.email}"
