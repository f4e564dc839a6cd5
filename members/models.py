from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    bio = models.TextField(_("about you"), max_length=2000, blank=True)

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
    suspension_reason = models.CharField(max_length=500, blank=True)
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
