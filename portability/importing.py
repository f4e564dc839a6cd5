"""A community arriving from another instance: ``do_import_community`` turns a verified
archive (``portability.archive.read_archive``) into a forming community here.

What it makes, and what it never does (R1, R4): the community, forming, with the charter
in force at the source as its founding charter (same version number, no author here);
the whole archive kept read-only beside it (``ImportedRecord``); and **no** membership,
account or invitation. Former members come back each by their own action, with the
claim token their old home emailed them (``portability.claims``); while it forms, nobody
else may found it (``Community.founded_by_claim_only``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from community.lifecycle import do_create_community, do_set_charter
from community.models import Community
from portability.archive import Archive, ArchiveError
from portability.models import ImportedCommunity, ImportedRecord
from purposes.methods.charter import MethodsError, validate_methods
from purposes.models import Charter
from purposes.validation import validate_slug

BATCH = 1000


class ImportRefused(ArchiveError):
    """An import that would overwrite or duplicate something: nothing was changed."""


def _refuse_overwrite(archive: Archive, slug: str) -> None:
    source_url = archive.manifest["source_url"]
    earlier = ImportedCommunity.objects.filter(source_url=source_url).first()
    if earlier is not None:
        raise ImportRefused(
            f"This instance already holds an import of {source_url} (another archive of "
            "it); importing this one would overwrite that history. Nothing was imported."
        )
    if Community.objects.filter(slug=slug).exists():
        raise ImportRefused(
            f"A community at /c/{slug}/ exists here already; importing would overwrite it. "
            "Choose another address (--slug). Nothing was imported."
        )
    try:
        validate_slug(slug)
    except ValidationError as error:
        raise ImportRefused(" ".join(error.messages)) from None


def do_import_community(*, archive: Archive, slug: str | None = None) -> tuple[Community, bool]:
    """The community the archive makes here, and whether this call made it (False: this
    very archive was imported before, and that community is returned unchanged).

    One transaction: an import that fails half-way (a full disk, a crash) leaves nothing.
    Refuses (``ImportRefused``) an archive of a source already imported, or an address
    already taken: an import never overwrites."""
    earlier = ImportedCommunity.objects.filter(sha256=archive.sha256).first()
    if earlier is not None:
        return earlier.community, False
    record = archive.records("community.jsonl")[0]
    slug = slug or archive.slug
    _refuse_overwrite(archive, slug)
    charters = archive.records("charters.jsonl")
    rules = dict(charters[-1]["rules"]) if charters else {}
    if "methods" in rules:  # an archive of version 3 or later; before, the defaults
        try:
            rules["methods"] = validate_methods(rules["methods"])
        except MethodsError as error:
            raise ImportRefused(f"The charter in force is not valid here: {error}") from None
    try:
        with transaction.atomic():
            community = do_create_community(
                name=record["name"],
                slug=slug,
                tagline=record["tagline"],
                visibility=record["visibility"],
                imported_at=timezone.now(),
            )
            if charters:
                current = charters[-1]
                # The founding charter here is the charter in force there, written by nobody
                # here: it keeps its version number, so the history reads on from it.
                charter = Charter.objects.create(
                    community=community,
                    version=current["version"],
                    purpose=current["purpose"],
                    goals=current["goals"],
                    author=None,
                    **rules,
                )
                do_set_charter(community=community, charter=charter)
            source = ImportedCommunity.objects.create(
                community=community,
                sha256=archive.sha256,
                source_url=archive.manifest["source_url"],
                source_slug=archive.slug,
                format_version=archive.manifest["format_version"],
                manifest=archive.manifest,
            )
            ImportedRecord.objects.bulk_create(
                (
                    ImportedRecord(source=source, part=part, number=number, data=data)
                    for part, records in archive.parts.items()
                    for number, data in enumerate(records, 1)
                ),
                batch_size=BATCH,
            )
    except IntegrityError:
        # The same archive, or the same address, taken by an import running at once.
        earlier = ImportedCommunity.objects.filter(sha256=archive.sha256).first()
        if earlier is not None:
            return earlier.community, False
        raise ImportRefused(
            f"The address /c/{slug}/ or the source was taken while importing. Nothing was imported."
        ) from None
    return community, True
