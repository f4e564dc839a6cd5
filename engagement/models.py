from django.db import models

from community.models import Community, Post


class MemberPair(models.Model):
    """Two people who replied to each other, or one to the other, in a community over the
    rolling window (engagement.health.WINDOW_DAYS). One row per unordered pair, the
    lower user id first; written only by engagement.relationships (set-based upserts).

    A pair is a *relationship* when both counts are positive, otherwise a *connection*.
    """

    # Derived data, rebuilt by the job: no database-level foreign keys (a full recount
    # writes hundreds of thousands of rows, and four deferred checks per row doubled its
    # time on the benchmark); Django still cascades deletions. Indexes: the unique pair
    # (which serves community lookups), and each side for "my relationships".
    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    user_a = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    user_b = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    # Replies user_a made to user_b's posts, and the other way round, in the window.
    a_to_b = models.IntegerField(default=0)
    b_to_a = models.IntegerField(default=0)
    # Their latest reply to each other (for "the threads where you last talked").
    last_at = models.DateTimeField(null=True)
    last_post = models.ForeignKey(
        Post,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        db_table = "community_memberpair"
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user_a", "user_b"], name="one_pair_per_community"
            ),
            models.CheckConstraint(
                condition=models.Q(user_a__lt=models.F("user_b")), name="pair_ordered"
            ),
        ]

    def __str__(self):
        return f"{self.user_a_id}<->{self.user_b_id} in {self.community_id}"

    @property
    def is_relationship(self) -> bool:
        return self.a_to_b > 0 and self.b_to_a > 0


class EngagementWatermark(models.Model):
    """Up to when (exclusive of later replies) the pair counts have been computed.

    One row per job name; the incremental update reads replies after ``until``."""

    name = models.CharField(max_length=40, unique=True)
    until = models.DateTimeField()
    full_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "community_engagementwatermark"

    def __str__(self):
        return f"{self.name} until {self.until}"


class EngagementSnapshot(models.Model):
    """A community's figures for one day, as of the end of that day (UTC). Written by
    engagement.snapshots as an upsert on (community, day): a rerun gives the same row."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    members = models.IntegerField(default=0)
    # Posted, replied or voted in the last 30 days (the figure plotted)...
    active_members = models.IntegerField(default=0)
    # ...and in the last 90 days: the base of the stage's shares (engagement.WINDOW_DAYS).
    active_90d = models.IntegerField(default=0)
    posts_30d = models.IntegerField(default=0)
    replies_30d = models.IntegerField(default=0)
    relationships = models.IntegerField(default=0)
    connections = models.IntegerField(default=0)
    active_in_relationship = models.IntegerField(default=0)
    newcomers = models.IntegerField(default=0)
    newcomers_replied = models.IntegerField(default=0)
    new_threads = models.IntegerField(default=0)
    median_first_reply_seconds = models.IntegerField(null=True)
    proposals_closed = models.IntegerField(default=0)
    votes_cast = models.IntegerField(default=0)
    electorate = models.IntegerField(default=0)
    threads_90d = models.IntegerField(default=0)
    goal_threads_90d = models.IntegerField(default=0)
    affirmed_members = models.IntegerField(default=0)
    affirmed_active = models.IntegerField(default=0)
    quorum_percent = models.IntegerField(default=25)
    stage = models.CharField(max_length=12)

    class Meta:
        db_table = "community_engagementsnapshot"
        ordering = ["community", "day"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="one_snapshot_per_day")
        ]

    def __str__(self):
        return f"{self.community_id} on {self.day}: {self.stage}"
