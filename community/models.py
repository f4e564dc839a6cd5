from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import CleanCharField, CleanTextField, LineField


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

    name = LineField(_("name"), max_length=80)
    slug = models.SlugField(_("address"), max_length=50, unique=True)
    tagline = LineField(_("tagline"), max_length=160, blank=True)
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


class Delivery(models.TextChoices):
    IMMEDIATELY = "immediately", _("Email me right away")
    DAILY = "daily", _("In a daily digest")
    NEVER = "never", _("Never by email (only on the site)")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_count(self) -> int:
        """For the header badge: ``user.notifications.unread_count`` is one COUNT query."""
        return self.unread().count()


class Notification(models.Model):
    """Something a user should know about: a reply, a mention, an invitation, a result.

    Created through ``community.notifications.do_notify``; shown on /notifications/.
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
        "Thread", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            models.Index(fields=["delivery", "emailed_at"], name="notification_email_due"),
        ]

    def __str__(self):
        return self.text


# --- Threaded discussion (issue 4) ----------------------------------------------------------

# A post's path is its ancestors' sequence numbers, each a fixed-width base-36 segment, so
# ORDER BY path is depth-first order and a subtree is one indexed prefix range.
PATH_SEGMENT = 6
PATH_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# Storage limit on nesting (path length 6 * 151 <= 1000); deeper replies are refused.
MAX_STORED_DEPTH = 150


def path_segment(number: int) -> str:
    """``number`` (1-based sequence within a parent) as a zero-padded base-36 segment."""
    if not 0 <= number < 36**PATH_SEGMENT:
        raise ValueError("sequence out of range")
    digits = []
    for _position in range(PATH_SEGMENT):
        number, rest = divmod(number, 36)
        digits.append(PATH_ALPHABET[rest])
    return "".join(reversed(digits))


def readable_communities_filter(user) -> models.Q:
    """A filter on Community: public ones, and members-only ones where ``user`` is a member."""
    public = models.Q(visibility=Community.Visibility.PUBLIC)
    if not getattr(user, "is_authenticated", False):
        return public
    # Looked up lazily: members.models refers to community.models, not the other way round.
    membership = apps.get_model("members", "Membership")
    mine = membership.objects.filter(user=user, left_at__isnull=True).values("community_id")
    return public | models.Q(pk__in=mine)


class ThreadQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Threads in communities the user may read (public, or where they are a member)."""
        return self.filter(
            community__in=Community.objects.filter(readable_communities_filter(user))
        )


class Thread(models.Model):
    """A conversation in a community: a title and a tree of posts rooted at the opening post."""

    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="threads")
    title = LineField(_("title"), max_length=200)
    slug = models.SlugField(max_length=80)
    author = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="threads")
    # The text of the charter goal the thread serves, as it read when the thread was linked
    # (goals live in versioned charters, so an index would drift when the charter changes).
    goal = LineField(_("goal"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # Replies (every post but the opening one), kept in the reply transaction with F().
    reply_count = models.PositiveIntegerField(default=0)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [models.Index(fields=["community", "-last_activity_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "community:thread",
            kwargs={"slug": self.community.slug, "thread_id": self.pk, "thread_slug": self.slug},
        )


class ModerationState(models.TextChoices):
    """Where a post stands in moderation (kept on Post so a thread page reads it for free)."""

    VISIBLE = "", _("visible")
    HIDDEN = "hidden", _("hidden pending review")
    KEPT_HIDDEN = "kept_hidden", _("kept hidden after review")
    TAKEN_DOWN = "taken_down", _("taken down by the platform")


class Post(models.Model):
    """One message in a thread. The opening post is the root (depth 0); any post can be
    replied to. Deleting keeps the row (a placeholder keeps the replies in place)."""

    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="posts")
    author = models.ForeignKey("members.User", on_delete=models.PROTECT, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=1000)
    depth = models.PositiveSmallIntegerField(default=0)
    # Children ever allocated: the next child's sequence number (allocated under a row lock).
    child_seq = models.PositiveIntegerField(default=0)
    body = CleanTextField()
    # Rendered and sanitised once, when written; never rendered per request.
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The form's one-time token: a double-click submits the same token twice, one post results.
    client_token = models.CharField(max_length=64, blank=True)
    # Moderation (issue 6): hidden pending review, kept hidden, or taken down; never deleted.
    moderation_state = models.CharField(
        max_length=12, choices=ModerationState, default="", blank=True
    )
    # Why it is hidden or taken down, as the placeholder shows it (the log keeps history).
    moderation_reason = CleanCharField(max_length=1000, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["thread", "path"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "path"], name="post_path_unique_in_thread"),
            models.UniqueConstraint(
                fields=["author", "client_token"],
                condition=~models.Q(client_token=""),
                name="post_client_token_unique_per_author",
            ),
        ]
        indexes = [models.Index(fields=["author", "-created_at"])]

    def __str__(self):
        return f"post {self.pk} in {self.thread_id}"

    def get_absolute_url(self):
        thread = self.thread
        return (
            reverse(
                "community:post",
                kwargs={
                    "slug": thread.community.slug,
                    "thread_id": thread.pk,
                    "thread_slug": thread.slug,
                    "post_id": self.pk,
                },
            )
            + f"#post-{self.pk}"
        )

    @property
    def is_root(self) -> bool:
        return self.depth == 0

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def is_hidden(self) -> bool:
        """Hidden pending review or kept hidden: members see a placeholder."""
        return self.moderation_state in (ModerationState.HIDDEN, ModerationState.KEPT_HIDDEN)

    @property
    def is_taken_down(self) -> bool:
        """Taken down by platform staff: nobody sees the text, its author included."""
        return self.moderation_state == ModerationState.TAKEN_DOWN


class PostRevision(models.Model):
    """An earlier version of a post (and of the thread title, for the opening post)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    title = LineField(max_length=200, blank=True)
    body = CleanTextField()
    body_html = models.TextField()
    # When this version was written (the post's creation or its previous edit).
    written_at = models.DateTimeField()
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "-written_at"]

    def __str__(self):
        return f"revision of {self.post_id} from {self.written_at:%Y-%m-%d %H:%M}"


class ReadState(models.Model):
    """Where a member stopped reading a thread: the time of their last visit."""

    user = models.ForeignKey("members.User", on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "thread"], name="one_read_state_per_thread")
        ]

    def __str__(self):
        return f"{self.user_id} read {self.thread_id} at {self.read_at}"


class NotificationPreference(models.Model):
    """How a user wants to hear about one kind of notification by email."""

    user = models.ForeignKey(
        "members.User", on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=12, choices=Notification.Kind)
    delivery = models.CharField(max_length=12, choices=Delivery, default=Delivery.IMMEDIATELY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")
        ]

    def __str__(self):
        return f"{self.user_id} {self.kind}: {self.delivery}"


# --- Engagement: relationships, daily snapshots, digests (issue 7) -------------------------


class MemberPair(models.Model):
    """Two people who replied to each other, or one to the other, in a community over the
    rolling window (community.engagement.WINDOW_DAYS). One row per unordered pair, the
    lower user id first; written only by community.relationships (set-based upserts).

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

    def __str__(self):
        return f"{self.name} until {self.until}"


class EngagementSnapshot(models.Model):
    """A community's figures for one day, as of the end of that day (UTC). Written by
    community.snapshots as an upsert on (community, day): a rerun gives the same row."""

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
        ordering = ["community", "day"]
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="one_snapshot_per_day")
        ]

    def __str__(self):
        return f"{self.community_id} on {self.day}: {self.stage}"


class DigestSetting(models.Model):
    """How often a member wants the activity digest. No row means the default (weekly)."""

    class Frequency(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        OFF = "off", _("Never")

    user = models.OneToOneField(
        "members.User", on_delete=models.CASCADE, related_name="digest_setting"
    )
    frequency = models.CharField(max_length=8, choices=Frequency, default=Frequency.WEEKLY)

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
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency", "period_end"], name="one_digest_per_period"
            )
        ]

    def __str__(self):
        return f"{self.frequency} digest for {self.user_id} up to {self.period_end}"


# --- Moderation by members: flags, the log, appeals and juries (issue 6) ------------------
# Written only by community.moderation. Nothing here is ever deleted: a hidden post keeps
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
        ordering = ["drawn_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "user"], name="one_seat_per_juror")
        ]

    def __str__(self):
        return f"{self.user_id} on appeal {self.appeal_id} ({self.state})"
