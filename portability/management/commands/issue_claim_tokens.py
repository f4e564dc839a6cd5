from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from community.models import Community
from portability import claims
from portability.archive import ArchiveError, read_archive
from portability.keys import public_key
from portability.models import ArchiveBuild


class Command(BaseCommand):
    help = (
        "Email each former member of a community a signed claim token for its archive, "
        "with which they claim their place where it is imported (docs/archive-format.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--archive", help="the archive file handed to the new home (default: the last built)"
        )
        parser.add_argument("--new-home", default="", help="its address there, for the link")
        parser.add_argument("--days", type=int, default=claims.TOKEN_LIFETIME.days)
        parser.add_argument(
            "--dry-run", action="store_true", help="print whom it would email, send nothing"
        )

    def handle(self, *args, slug, archive=None, new_home="", days=60, dry_run=False, **options):
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise CommandError(f"There is no community at /c/{slug}/.")
        sha256 = self._archive_sha256(community, archive)
        issued = claims.do_issue_claims(
            community=community,
            archive_sha256=sha256,
            new_home=new_home,
            send=not dry_run,
            lifetime=timedelta(days=days),
        )
        verb = "Would email" if dry_run else "Emailed"
        self.stdout.write(
            f"{verb} {len(issued)} former member(s) of /c/{slug}/ a claim token for archive "
            f"{sha256}, valid {days} days."
        )

    def _archive_sha256(self, community, path) -> str:
        if path is None:
            build = (
                ArchiveBuild.objects.filter(community=community, state=ArchiveBuild.State.READY)
                .order_by("-finished_at")
                .first()
            )
            if build is None:
                raise CommandError(
                    "No archive of this community was built yet: pass --archive FILE "
                    "(from export_community)."
                )
            return build.sha256
        try:
            verified = read_archive(path)
        except ArchiveError as refusal:
            raise CommandError(f"Refused: {refusal}") from None
        if verified.manifest.get("claim_key", {}).get("public_key") != public_key(community.pk):
            raise CommandError(
                f"{path} is not an archive of /c/{community.slug}/ made by this instance: "
                "its claim key is another."
            )
        return verified.sha256
