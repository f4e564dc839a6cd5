from django.db import models
from django.utils import timezone


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
