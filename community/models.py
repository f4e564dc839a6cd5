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
