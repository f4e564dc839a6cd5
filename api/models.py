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
