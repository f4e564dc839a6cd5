from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.fields import CleanCharField, CleanTextField, LineField

from . import usernames


class NameKeyField(models.CharField):
    """One of the two look-alike keys of the account's username (``usernames.name_keys``;
    ``cased`` picks the second), kept up to date whenever an active account is saved. A
    deleted (inactive) account keeps the keys of the name it had, so nobody can register
    that name or a look-alike of it."""

    def __init__(self, *args, cased: bool = False, **kwargs):
        self.cased = cased
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.cased:
            kwargs["cased"] = True
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if model_instance.is_active or not value:
            value = usernames.name_keys(model_instance.username)[1 if self.cased else 0]
            setattr(model_instance, self.attname, value)
        return value


class User(AbstractUser):
    display_name = LineField(_("display name"), max_length=80, blank=True)
    bio = CleanTextField(_("about you"), max_length=2000, blank=True)
    name_key = NameKeyField(max_length=300, blank=True, db_index=True, editable=False)
    name_key_cased = NameKeyField(
        max_length=300, blank=True, db_index=True, editable=False, cased=True
    )

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("members:profile", kwargs={"username": self.username})

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)


class Membership(models.Model):
    """A user's membership of a community.

    Created only by an action of that same user (R1). Leaving keeps the row (left_at);
    rejoining makes a new row, so the history of who belonged when is kept.
    """

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        MODERATOR = "moderator", _("moderator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships"
    )
    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="memberships"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    role = models.CharField(max_length=10, choices=Role, default=Role.MEMBER)
    moderator_term_ends_at = models.DateTimeField(null=True, blank=True)
    suspended_until = models.DateTimeField(null=True, blank=True)
    suspension_reason = CleanCharField(max_length=500, blank=True)
    # The charter version this member last affirmed (the founding charter, for founders).
    affirmed_charter = models.ForeignKey(
        "purposes.Charter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    affirmed_at = models.DateTimeField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(left_at__isnull=True),
                name="one_current_membership_per_user_and_community",
            )
        ]
        indexes = [models.Index(fields=["community", "left_at"])]

    def __str__(self):
        return f"{self.user} in {self.community}"

    @property
    def is_current(self) -> bool:
        return self.left_at is None

    @property
    def is_moderator(self) -> bool:
        return self.role == self.Role.MODERATOR and (
            self.moderator_term_ends_at is None or self.moderator_term_ends_at > timezone.now()
        )

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class ApplicationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Application.State.PENDING)


class Application(models.Model):
    """A request to join a community whose charter admits by application.

    The applicant's own action (applying) is what makes them a member once admitted
    (R1): admission turns this request into a membership; nobody else can start one.
    Decisions and their reasons are kept.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        ADMITTED = "admitted", _("admitted")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="applications"
    )
    motivation = CleanTextField(_("why you want to join"), max_length=2000)
    # The charter version the applicant affirmed when applying.
    charter = models.ForeignKey(
        "purposes.Charter", on_delete=models.PROTECT, null=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = CleanCharField(_("reason"), max_length=500, blank=True)

    objects = ApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "community"],
                condition=Q(state="pending"),
                name="one_pending_application_per_user_and_community",
            )
        ]

    def __str__(self):
        return f"{self.user} applies to {self.community} ({self.state})"

    @property
    def is_pending(self) -> bool:
        return self.state == self.State.PENDING


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Open offers: not answered and not expired."""
        return self.filter(state=Invitation.State.PENDING, expires_at__gt=timezone.now())


class Invitation(models.Model):
    """An offer from a member to an existing user. Never a membership until the invitee
    accepts it (R1); never creates an account."""

    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        # Set when a new invitation replaces one that ran out unanswered.
        EXPIRED = "expired", _("expired")

    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="invitations"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations_sent"
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations"
    )
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["invitee", "community"],
                condition=Q(state="pending"),
                name="one_open_invitation_per_user_and_community",
            )
        ]
        indexes = [models.Index(fields=["invitee", "state", "expires_at"])]

    def __str__(self):
        return f"{self.invitee} invited to {self.community} ({self.state})"

    @property
    def is_expired(self) -> bool:
        return self.state == self.State.PENDING and self.expires_at <= timezone.now()

    @property
    def is_open(self) -> bool:
        return self.state == self.State.PENDING and not self.is_expired
