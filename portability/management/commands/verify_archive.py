from django.core.management.base import BaseCommand, CommandError

from portability.archive import ArchiveError, read_archive


class Command(BaseCommand):
    help = "Check a community archive and print its manifest, or say why it is refused."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            archive = read_archive(file)
        except ArchiveError as refusal:
            raise CommandError(f"Refused: {refusal}") from None
        manifest = archive.manifest
        community = manifest["community"]
        self.stdout.write(f"A valid Commons archive, format version {manifest['format_version']}.")
        self.stdout.write(f"Community: {community['name']} ({community['slug']})")
        self.stdout.write(f"From: {manifest['source_url']}")
        self.stdout.write(f"Made: {manifest['created_at']}")
        self.stdout.write(f"SHA-256 of the file: {archive.sha256}")
        for part in manifest["parts"]:
            self.stdout.write(
                f"  {part['name']:<22} {part['records']:>8} records  {part['sha256']}"
            )
