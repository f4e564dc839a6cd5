from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community
from core.fields import LineField


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Email me right away")
    # The value is older than the choice of digest frequency (DigestSetting): it means
    # "in my digest", daily or weekly as the member chose.
    DAILY = "daily", _("In my digest")
    NEVER = "never", _("Never by email (only on the site)")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_count(self) -> int:
        """One COUNT; the header reads it cached (``notifications.selectors.unread_count``)."""
        return self.unread().count()


class Notification(models.Model):
    """Something a user should know about: a reply, a mention, an invitation, a result.

    Created through ``notifications.actions.do_notify``; shown on /notifications/.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("replies to you")
        MENTION = "mention", _("mentions of you")
        INVITATION = "invitation", _("invitations")
        APPLICATION = "application", _("applications and their decisions")
        PROPOSAL = "proposal", _("proposals: seeking seconds, voting, results")
        MODERATION = "moderation", _("moderation of your posts")
        COMMUNITY = "community", _("news of your communities")

    # No index of its own: the (recipient, read_at, created_at) index below starts with it,
    # and one index fewer is a sixth less work when a whole community is notified.
    recipient = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        "members.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = LineField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # How the recipient wanted this kind emailed when it was created (their preference);
    # the email sweeps select on it, so only users with something to send are visited.
    delivery = models.CharField(max_length=12, choices=Delivery, default=Delivery.NEVER)
    # The thread it is about, if any: a busy thread's notifications are batched in one email.
    thread = models.ForeignKey(
        "community.Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "community_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["delivery", "emailed_at"], name="notification_email_due"),
        ]

    def __str__(self):
        return self.text


class NotificationPreference(models.Model):
    """How a user wants to hear about one kind of notification by email."""

    user = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=12, choices=Notification.Kind)
    delivery = models.CharField(max_length=12, choices=Delivery, default=Delivery.IMMEDIATELY)

    class Meta:
        db_table = "community_notificationpreference"
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.delivery}"


class DigestSetting(models.Model):
    """How often a member wants their digest (digested notifications and their
    communities' activity). No row means the default (weekly)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        OFF = "off", _("Never")

    DEFAULT = Frequency.WEEKLY

    user = models.OneToOneField(
        "members.User", on_delete=models.CASCADE, related_name="digest_setting"
    )
    frequency = models.CharField(max_length=8, choices=Frequency, default=DEFAULT)

    class Meta:
        db_table = "community_digestsetting"

    def __str__(self):
        return f"{self.user_id}: {self.frequency}"


class DigestSent(models.Model):
    """One digest sent to one member for one period: the unique row makes sending
    exactly-once per period, whatever the retries."""

    user = models.ForeignKey("members.User", on_delete=models.CASCADE, related_name="+")
    frequency = models.CharField(max_length=8)
    period_end = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_digestsent"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_end"], name="one_digest_per_period"
            )
        ]

    def __str__(self):
        return f"{self.frequency} digest for {self.user_id} up to {self.period_end}"
