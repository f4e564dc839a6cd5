from django.core.management.base import BaseCommand, CommandError

from portability.archive import ArchiveError, read_archive
from portability.importing import do_import_community


class Command(BaseCommand):
    help = (
        "Import a community archive (docs/archive-format.md) as a forming community with "
        "its history, read-only, and no members."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--slug", help="its address here (default: the one it had)")

    def handle(self, *args, archive, slug=None, **options):
        try:
            verified = read_archive(archive)
            community, made = do_import_community(archive=verified, slug=slug)
        except ArchiveError as refusal:
            raise CommandError(f"Refused: {refusal}") from None
        if not made:
            self.stdout.write(
                f"This archive was imported before, as /c/{community.slug}/: nothing changed."
            )
            return
        counts = ", ".join(
            f"{part['records']} {part['name'].removesuffix('.jsonl')}"
            for part in verified.manifest["parts"]
        )
        self.stdout.write(
            f"Imported /c/{community.slug}/ ({community.state}, no members) from "
            f"{verified.manifest['source_url']}, archive sha256 {verified.sha256}: {counts}."
        )
