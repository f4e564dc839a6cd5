"""Personal access tokens: what a program shows to act for a member through the API.

Only a digest of the secret is stored (sha256 of the whole token, which carries 256 bits of
randomness, so a slow hash adds nothing); the short prefix is kept to show the member which
token is which."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import LineField


class Scope(models.TextChoices):
    READ = "read", _("Read what you can read")
    WRITE = "write", _("Post, reply, edit, flag, join, leave, propose and second")
    VOTE = "vote", _("Vote on proposals")


class TokenQuerySet(models.QuerySet):
    def live(self, now=None):
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = LineField(_("name"), max_length=80)
    # The first characters of the token, shown on the settings page to tell tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Event(models.TextChoices):
    """What a webhook may be sent about: only what its member could see anyway."""

    THREAD_CREATED = "thread.created", _("New threads in the community")
    PROPOSAL_SUBMITTED = "proposal.submitted", _("New proposals in the community")
    PROPOSAL_CLOSED = "proposal.closed", _("Results of the community’s proposals")
    NOTIFICATION_CREATED = "notification.created", _("Your own notifications")


COMMUNITY_EVENTS = (Event.THREAD_CREATED, Event.PROPOSAL_SUBMITTED, Event.PROPOSAL_CLOSED)


class WebhookSubscription(models.Model):
    """A member's HTTPS address that the worker sends events to, signed with ``secret``
    (Standard Webhooks). ``checked_until`` is how far the sweep has looked for events;
    ``failures`` counts failed attempts in a row (reset by a success), and past the limit
    the subscription is disabled and its member told."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("address"), max_length=500)
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    events = models.JSONField(default=list)
    # whsec_ and base64 of 32 random bytes: kept in clear, since signing needs it.
    secret = models.CharField(max_length=80)
    created_at = models.DateTimeField(default=timezone.now)
    checked_until = models.DateTimeField(default=timezone.now)
    failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["disabled_at"], name="webhook_live")]

    def __str__(self):
        return self.url

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    def event_labels(self) -> list[str]:
        return [str(Event(e).label) for e in self.events if e in Event.values]


class WebhookDelivery(models.Model):
    """One event for one subscription, and how sending it went. The unique ``message_id``
    per subscription is the Standard Webhooks ``webhook-id``: the same event is never two
    deliveries, and a receiver de-duplicates retries by it."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting to be sent")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent: no longer visible to you")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=80)
    event = models.CharField(max_length=32, choices=Event)
    # What the event is about, to check at delivery time that the member may still see it.
    community = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=State, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "message_id"], name="one_delivery_per_event"
            )
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_due")]

    def __str__(self):
        return f"{self.event} {self.message_id} → {self.subscription_id}: {self.state}"
