from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import CleanCharField, CleanTextField, LineField


class CommunityQuerySet(models.QuerySet):
    def listed(self):
        """Live communities (the daily engagement snapshots take these): everything but
        dissolved archives and communities that moved to another home."""
        return self.exclude(state=Community.State.DISSOLVED).filter(moved_at__isnull=True)

    def readable_by(self, user):
        """Communities whose content (threads, posts, members) ``user`` may read: the one
        read rule. Public ones, and members-only ones where ``user`` is a current member;
        ``Community.is_readable_with`` applies this rule to one community already loaded."""
        public = models.Q(visibility=Community.Visibility.PUBLIC)
        if not getattr(user, "is_authenticated", False):
            return self.filter(public)
        # Looked up lazily: members.models refers to community.models, not the other way round.
        membership = apps.get_model("members", "Membership")
        mine = membership.objects.current().filter(user=user).values("community_id")
        return self.filter(public | models.Q(pk__in=mine))


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
    # Where the community went when its members voted to move it to another home (a
    # "move" proposal, issue 19): from then on it is read-only here, its pages pointing
    # there. Nothing is deleted.
    moved_to = LineField(_("new home"), max_length=500, blank=True)
    moved_at = models.DateTimeField(null=True, blank=True)
    # When it arrived from another instance as an archive (portability): while it forms,
    # only former members who claimed their place with a token may found it here.
    imported_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "communities"
        ordering = ["name"]
        # The directory: one state, most recently active first, a page at a time.
        indexes = [
            models.Index(fields=["state", "-last_activity_at"], name="community_directory_order")
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:home", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    def is_readable_with(self, membership) -> bool:
        """The read rule of ``CommunityQuerySet.readable_by`` for this one community, given
        the viewer's current membership of it (or None), which pages have loaded anyway:
        public, or the viewer is a member. No query."""
        return self.is_public or membership is not None

    @property
    def is_forming(self) -> bool:
        return self.state == self.State.FORMING

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_dissolved(self) -> bool:
        return self.state == self.State.DISSOLVED

    @property
    def is_moved(self) -> bool:
        """Its members voted to move it to another home (``moved_to``)."""
        return self.moved_at is not None

    @property
    def is_read_only(self) -> bool:
        """Dissolved or moved away: readable as it was, and nobody writes to it any more
        (no thread, reply, proposal, vote, join, flag...)."""
        return self.is_dissolved or self.is_moved

    @property
    def founded_by_claim_only(self) -> bool:
        """Imported and still forming: its founders are the former members who claimed
        their place (docs/archive-format.md, "Claim tokens"); anyone may join once active."""
        return self.is_forming and self.imported_at is not None

    def read_only_message(self) -> str:
        """Why nothing can be written here any more ("" while it is live)."""
        if self.is_moved:
            return _(
                "This community has moved to %(home)s: it is read-only here and continues there."
            ) % {"home": self.moved_to}
        if self.is_dissolved:
            return str(_("This community is dissolved: its discussions are read-only."))
        return ""


# --- Threaded discussion --------------------------------------------------------------------

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


def in_members_only_community(path: str = "community") -> models.Q:
    """A filter on rows that reach a community through ``path``: those of members-only
    communities, which outsiders (platform staff included) may not see."""
    return models.Q(**{f"{path}__visibility": Community.Visibility.MEMBERS})


class ThreadQuerySet(models.QuerySet):
    def readable_by(self, user):
        """Threads in communities the user may read (public, or where they are a member)."""
        return self.filter(community__in=Community.objects.readable_by(user))


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
    # Moderation: hidden pending review, kept hidden, or taken down; never deleted.
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
        indexes = [
            models.Index(fields=["author", "-created_at"]),
            # Search finds threads by title through their opening posts: one entry per
            # thread, where the thread index read every reply of each thread found.
            models.Index(fields=["thread"], condition=models.Q(depth=0), name="post_opening"),
        ]

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
