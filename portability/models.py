from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportedCommunity(models.Model):
    """A community that arrived on this instance as an archive (docs/archive-format.md):
    where it came from and the archive's hash, shown beside it. One per archive file, so
    importing the same file twice makes one community."""

    community = models.OneToOneField(
        "community.Community", on_delete=models.PROTECT, related_name="+"
    )
    sha256 = models.CharField(max_length=64, unique=True)
    source_url = models.CharField(max_length=500, unique=True)
    source_slug = models.SlugField(max_length=50)
    format_version = models.PositiveSmallIntegerField()
    manifest = models.JSONField()
    imported_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.community_id} imported from {self.source_url}"


class ImportedRecord(models.Model):
    """One record of an imported archive, kept as the archive holds it: the community's
    history from before it came here, read-only (nothing writes it after the import)."""

    source = models.ForeignKey(ImportedCommunity, on_delete=models.PROTECT, related_name="records")
    part = models.CharField(max_length=40)
    # Its place in the part, from 1 (the archive's order).
    number = models.PositiveIntegerField()
    data = models.JSONField()

    class Meta:
        ordering = ["source", "part", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "part", "number"], name="one_imported_record_per_place"
            )
        ]

    def __str__(self):
        return f"{self.part} #{self.number} of import {self.source_id}"


class ArchiveBuild(models.Model):
    """A member's request for their community's archive, built by the worker
    (``portability.exports``). The built file is kept in the database, not on disk: the
    web and worker processes may run on different machines (docker-compose shares no
    volume between them), and a build is ready exactly when its row commits with its
    bytes. Only the latest finished build of a community is kept, and the one built when
    it moved to another home (``MoveHandoff``: its claim tokens name it)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("building")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    community = models.ForeignKey("community.Community", on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State, default=State.QUEUED)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # What the community looked like when asked (``building.archive_stamp``): the same
    # stamp later means nothing changed, and this build is offered again.
    stamp = models.CharField(max_length=64)
    data = models.BinaryField(null=True, editable=False)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            # At most one build in progress per community: a second request joins it.
            models.UniqueConstraint(
                fields=["community"],
                condition=models.Q(state__in=["queued", "building"]),
                name="one_archive_build_in_progress",
            )
        ]

    def __str__(self):
        return f"archive of {self.community_id} ({self.state})"

    @property
    def in_progress(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.BUILDING)


class ArchiveClaim(models.Model):
    """A former member's place in an imported community, claimed with the token their old
    instance sent them (docs/archive-format.md, "Claim tokens"). One account per place and
    one place per account in a community."""

    source = models.ForeignKey(ImportedCommunity, on_delete=models.PROTECT, related_name="claims")
    # The member's opaque id in the token (never in the archive's records).
    member_key = models.CharField(max_length=64)
    public_name = models.CharField(max_length=150)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "member_key"], name="one_claim_per_place"),
            models.UniqueConstraint(fields=["source", "user"], name="one_place_per_account"),
        ]

    def __str__(self):
        return f"{self.public_name} claimed by {self.user_id}"


class MoveHandoff(models.Model):
    """What the worker did for a community its members voted to move to another home
    (``portability.moving``): the archive built at the move, which its claim tokens name
    and which is kept (never replaced by a later build), and when the tokens were sent."""

    community = models.OneToOneField(
        "community.Community", on_delete=models.PROTECT, related_name="+"
    )
    build = models.ForeignKey(
        ArchiveBuild, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claims_sent_at = models.DateTimeField(null=True, blank=True)
    claims_sent = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"move of {self.community_id}"
