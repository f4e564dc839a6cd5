from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CommunityQuerySet(models.QuerySet):
    def listed(self):
        """Communities shown in the directory: everything but dissolved archives."""
        return self.exclude(state=Community.State.DISSOLVED)


class Community(models.Model):
    """A group of people with a shared purpose. Nobody owns it (R2): no owner field."""

    class State(models.TextChoices):
        FORMING = "forming", _("forming")
        ACTIVE = "active", _("active")
        DISSOLVED = "dissolved", _("dissolved")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can read")
        MEMBERS = "members", _("Members only: only members can read")

    name = models.CharField(_("name"), max_length=80)
    slug = models.SlugField(_("address"), max_length=50, unique=True)
    tagline = models.CharField(_("tagline"), max_length=160, blank=True)
    visibility = models.CharField(
        _("who can read"), max_length=10, choices=Visibility, default=Visibility.PUBLIC
    )
    state = models.CharField(max_length=10, choices=State, default=State.FORMING)
    # The charter in force (the founding draft while forming); versions live in purposes/.
    charter = models.ForeignKey(
        "purposes.Charter", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="offshoots"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    dissolved_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:home", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_forming(self) -> bool:
        return self.state == self.State.FORMING

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_dissolved(self) -> bool:
        return self.state == self.State.DISSOLVED


class Notification(models.Model):
    """Something a user should know about: a reply, a mention, an invitation, a result.

    Created through ``community.notifications.do_notify``; shown on /notifications/.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", _("replies to you")
        MENTION = "mention", _("mentions of you")
        INVITATION = "invitation", _("invitations")
        APPLICATION = "application", _("applications and their decisions")
        PROPOSAL = "proposal", _("proposals entering voting and their results")
        MODERATION = "moderation", _("moderation of your posts")
        COMMUNITY = "community", _("news of your communities")

    recipient = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind)
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        "members.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self):
        return self.text
