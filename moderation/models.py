from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import Community, Post
from core.fields import CleanCharField, CleanTextField

# --- Moderation by members: flags, the log, appeals and juries ----------------------------
# Written only by moderation. Nothing here is ever deleted: a hidden post keeps
# its text, a dismissed flag keeps its row, the log only grows.


class Flag(models.Model):
    """A member's flag on a post. One per member per post (the constraint, not a check)."""

    class Reason(models.TextChoices):
        OFF_PURPOSE = "off_purpose", _("Off-purpose: it strays from a goal or rule of the charter")
        DISRESPECTFUL = "disrespectful", _("Disrespectful to someone")
        SPAM = "spam", _("Spam or advertising")
        OTHER = "other", _("Something else (say what)")

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="flags")
    flagger = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=Reason)
    # For off-purpose: the goal or rule it strays from, as the charter read then.
    charter_point = CleanCharField(max_length=500, blank=True)
    note = CleanCharField(max_length=500, blank=True)
    # Whether it counts toward hiding: the flagger joined before the post was written (R7:
    # "established members"), so joining to pile on a post does nothing.
    counts = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a review restores the post: the flag stays on record but no longer counts.
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "community_flag"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "flagger"], name="one_flag_per_member_per_post")
        ]

    def __str__(self):
        return f"{self.flagger_id} flags {self.post_id}: {self.reason}"


class ModerationAction(models.Model):
    """One entry of a community's public moderation log. ``actor`` is empty for what
    happened by itself (flags reaching the threshold, a term ending, a jury's decision)."""

    class Kind(models.TextChoices):
        HIDE = "hide", _("hidden pending review")
        RESTORE = "restore", _("restored")
        KEEP_HIDDEN = "keep_hidden", _("kept hidden")
        SUSPEND = "suspend", _("suspended")
        UNSUSPEND = "unsuspend", _("suspension ended")
        TERM_START = "term_start", _("moderator term started")
        TERM_END = "term_end", _("moderator term ended")
        REMOVE = "remove", _("removed from the community")
        TAKEDOWN = "takedown", _("taken down by the platform")
        APPEAL_FILED = "appeal_filed", _("appeal filed")
        APPEAL_GRANTED = "appeal_granted", _("appeal granted")
        APPEAL_DENIED = "appeal_denied", _("appeal denied")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind)
    actor = models.ForeignKey(
        "members.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="moderation_actions"
    )
    member = models.ForeignKey(
        "members.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = CleanCharField(max_length=1000, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_moderationaction"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"], name="modlog_community")]

    def __str__(self):
        return f"{self.kind} in {self.community_id} at {self.created_at:%Y-%m-%d %H:%M}"


class RestoreVote(models.Model):
    """Where a community has no moderator: a member's vote to restore a hidden post."""

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="restore_votes")
    voter = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "community_restorevote"
        constraints = [
            models.UniqueConstraint(fields=["post", "voter"], name="one_restore_vote_per_member")
        ]

    def __str__(self):
        return f"{self.voter_id} votes to restore {self.post_id}"


class Appeal(models.Model):
    """An appeal against one decision (keeping a post hidden, or a suspension), decided
    by a jury of 5 or, in a community too small for one, by a vote of the members."""

    class State(models.TextChoices):
        OPEN = "open", _("being decided")
        GRANTED = "granted", _("granted: the decision was reversed")
        DENIED = "denied", _("denied: the decision stands")

    class Mode(models.TextChoices):
        JURY = "jury", _("a jury")
        MEMBER_VOTE = "member_vote", _("a vote of the members")

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="+")
    appellant = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="+")
    # The decision appealed: one appeal per decision (appealing once, as the issue says).
    decision = models.OneToOneField(
        ModerationAction, on_delete=models.PROTECT, related_name="appeal"
    )
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="appeals"
    )
    statement = CleanTextField(max_length=2000)
    mode = models.CharField(max_length=12, choices=Mode, default=Mode.JURY)
    state = models.CharField(max_length=8, choices=State, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    result = CleanCharField(max_length=500, blank=True)

    class Meta:
        db_table = "community_appeal"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "deadline"], name="appeal_open_deadline")]

    def __str__(self):
        return f"appeal {self.pk} by {self.appellant_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class JuryMember(models.Model):
    """A member drawn for an appeal's jury (or a voter, in a member vote)."""

    class State(models.TextChoices):
        INVITED = "invited", _("asked")
        ACCEPTED = "accepted", _("serving")
        DECLINED = "declined", _("declined")
        TIMED_OUT = "timed_out", _("did not answer in time")

    class Vote(models.TextChoices):
        GRANT = "grant", _("Reverse the decision")
        DENY = "deny", _("Let the decision stand")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="jurors")
    user = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State, default=State.INVITED)
    vote = models.CharField(max_length=6, choices=Vote, blank=True)
    drawn_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "community_jurymember"
        ordering = ["drawn_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "user"], name="one_seat_per_juror")
        ]

    def __str__(self):
        return f"{self.user_id} on appeal {self.appeal_id} ({self.state})"
