from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone who affirms the purpose may join")
    APPLICATION = "application", _("By application: members admit those who apply")
    INVITATION = "invitation", _("By invitation: any member may invite")


class Charter(models.Model):
    """One version of a community's charter: its purpose, goals and rules.

    Versions are never edited once in force; a change makes a new version (R3). The
    founding draft (version 1 of a forming community) is the one exception: its author
    may edit it until the community becomes active.
    """

    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="charters"
    )
    version = models.PositiveIntegerField()
    purpose = models.TextField(_("purpose"), max_length=5000)
    goals = models.JSONField(_("goals"), default=list)
    join_policy = models.CharField(
        _("who may join"), max_length=12, choices=JoinPolicy, default=JoinPolicy.OPEN
    )
    seconds_required = models.PositiveSmallIntegerField(_("seconds a proposal needs"), default=2)
    discussion_days = models.PositiveSmallIntegerField(_("discussion period (days)"), default=3)
    voting_days = models.PositiveSmallIntegerField(_("voting period (days)"), default=7)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=25)
    major_quorum_percent = models.PositiveSmallIntegerField(
        _("quorum for purpose, rules and dissolution (%)"), default=40
    )
    flag_threshold = models.PositiveSmallIntegerField(_("flags that hide a post"), default=3)
    moderator_term_days = models.PositiveSmallIntegerField(_("moderator term (days)"), default=90)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["community", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "version"], name="one_charter_per_version")
        ]

    def __str__(self):
        return f"{self.community} charter v{self.version}"

    def get_absolute_url(self):
        return reverse("community:charter", kwargs={"slug": self.community.slug})

    RULE_FIELDS = (
        "join_policy",
        "seconds_required",
        "discussion_days",
        "voting_days",
        "quorum_percent",
        "major_quorum_percent",
        "flag_threshold",
        "moderator_term_days",
    )

    def rules(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}
