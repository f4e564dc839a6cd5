from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import CleanCharField, CleanTextField, LineField
from core.names import name_keys


class NameKeyField(models.CharField):
    """One of the two look-alike keys of the account's username (``core.names.name_keys``;
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
            value = name_keys(model_instance.username)[1 if self.cased else 0]
            setattr(model_instance, self.attname, value)
        return value


class User(AbstractUser):
    display_name = LineField(_("display name"), max_length=80, blank=True)
    bio = CleanTextField(_("about you"), max_length=2000, blank=True)
    name_key = NameKeyField(max_length=300, blank=True, db_index=True, editable=False)
    name_key_cased = NameKeyField(
        max_length=300, blank=True, db_index=True, editable=False, cased=True
    )
    # Set only by the demo and benchmark seeders on the accounts they create, so that they
    # never touch an account a person made (a real "alice", say).
    seeded_by = models.CharField(max_length=20, blank=True, default="", editable=False)
    # A digest of the uploaded picture ("" while there is none). It is part of the
    # picture's URL, so a page names the picture without a query, and browsers may cache
    # each URL for ever: another picture gets another URL.
    avatar_key = models.CharField(max_length=16, blank=True, default="", editable=False)

    def __str__(self):
        return self.username

    def get_absolute_url(self):
        return reverse("members:profile", kwargs={"username": self.username})

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username


class Avatar(models.Model):
    """A member's uploaded picture, resized and re-encoded (members/avatars.py).

    Kept in the database, not on a local disk, so that web processes hold no state and
    scale out; it is a few kilobytes. Its own table, so loading a post's author never
    loads the image bytes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    image = models.BinaryField()
    content_type = models.CharField(max_length=40)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"picture of user {self.user_id}"


DEFAULT_ESTABLISHED_DAYS = 7


class MembershipQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)

    def of_person(self, user, community):
        """Every row of one person in one community, past and current: what a person's
        standing (a suspension, a removal) belongs to, so leaving and rejoining escapes
        nothing."""
        return self.filter(user=user, community=community)

    def established(self, *, community, now: datetime):
        """Current members whose flags count, who sit on juries and vote to restore posts
        (R5, R7): members for the charter's ``established_days`` with at least one post or
        vote here; founders from the day the community became active. A sock puppet that
        signs up and joins today is not one."""
        charter = community.charter
        days = charter.established_days if charter is not None else DEFAULT_ESTABLISHED_DAYS
        # By name: the community and purposes apps import this module.
        post, vote = apps.get_model("community", "Post"), apps.get_model("purposes", "Vote")
        posted = post.objects.filter(author=OuterRef("user_id"), thread__community=community)
        voted = vote.objects.filter(user=OuterRef("user_id"), proposal__community=community)
        seasoned = Q(joined_at__lte=now - timedelta(days=days)) & (Exists(posted) | Exists(voted))
        if community.activated_at is not None and community.activated_at <= now:
            seasoned |= Q(joined_at__lte=community.activated_at)
        return self.current().filter(community=community).filter(seasoned)


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
    # Set when a removal proposal ended this membership (or found it already ended): the
    # person may then come back only by application until the charter's cool-off passes.
    removed_at = models.DateTimeField(null=True, blank=True)
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


class MemberCount(models.Model):
    """How many current members a community has, kept by the database: triggers on the
    membership table (migration 0011) add and subtract as rows are inserted, change
    ``left_at`` or ``community`` or are deleted, whichever code wrote them (the actions,
    an import, a seed, a test's factory), in the same transaction. Reading it is one
    row, where counting the memberships of a 100,000-member community read them all.
    A community nobody has joined yet has no row (read as 0)."""

    community = models.OneToOneField(
        "community.Community", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    current = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.community_id}: {self.current} members"


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
    # Its revision the applicant read: a forming community's founding charter can be edited
    # while the application waits, and admission endorses only the text they read.
    charter_revision = models.PositiveIntegerField(null=True, blank=True)
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


class PlatformLogEntry(models.Model):
    """One entry of the platform's public log: what platform staff did to an account (a
    lock or an unlock, with its reason) and each time they read a members-only post to
    review it for a takedown. Takedowns themselves are in the communities' moderation logs
    (and shown beside these on the platform log page)."""

    class Kind(models.TextChoices):
        LOCK = "lock", _("account locked")
        UNLOCK = "unlock", _("account unlocked")
        REVIEW = "review", _("read for review")

    kind = models.CharField(max_length=8, choices=Kind)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        "community.Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = CleanCharField(_("reason"), max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "-created_at"], name="platformlog_member")]

    def __str__(self):
        return f"{self.kind} at {self.created_at:%Y-%m-%d %H:%M}"
