from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from community.models import Community
from portability.archive import build_archive, read_archive


class Command(BaseCommand):
    help = "Write a community's archive (docs/archive-format.md) to a file."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--output", "-o", help="the file to write (default: SLUG.zip)")
        parser.add_argument(
            "--force", action="store_true", help="replace the output file if it exists"
        )

    def handle(self, *args, slug, output=None, force=False, **options):
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise CommandError(f"There is no community at /c/{slug}/.")
        path = Path(output or f"{slug}.zip")
        if path.exists() and not force:
            raise CommandError(f"{path} exists; pass --force to replace it.")
        data = build_archive(community)
        archive = read_archive(data)  # what we hand out, we can read back
        partial = path.with_name(f".{path.name}.partial")
        partial.write_bytes(data)
        partial.replace(path)  # whole or not at all
        counts = ", ".join(
            f"{part['records']} {part['name'].removesuffix('.jsonl')}"
            for part in archive.manifest["parts"]
        )
        self.stdout.write(f"Wrote {path} ({len(data)} bytes, sha256 {archive.sha256}): {counts}.")
