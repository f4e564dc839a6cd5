from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from demo import community as community_demo
from demo import engagement as demo_engagement
from demo import members as members_demo
from demo import moderation as demo_moderation
from demo import proposals as demo_proposals
from demo import purposes as purposes_demo
from members.models import Membership
from notifications.actions import do_mark_emailed_without_sending


class Command(BaseCommand):
    help = (
        "Create demo users and data. Idempotent: running it twice changes nothing. Refuses "
        "a database where it would act for an account it did not create."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--i-know",
            action="store_true",
            help="Seed even with DEBUG off (a published password on a production site).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["i_know"]:
            raise CommandError(
                "DEBUG is off: this looks like a production site, and the demo accounts "
                "share a published password. Run with --i-know to seed anyway."
            )
        started = timezone.now()
        with transaction.atomic():
            self._refuse_real_people()
            users = members_demo.seed()
            purposes_demo.seed(users)
            community_demo.seed(users)
            demo_proposals.seed(users)
            demo_moderation.seed(users)
            demo_engagement.seed(users)
            do_mark_emailed_without_sending(created_since=started)
        self.stdout.write("Demo logins (username / password):")
        for user in users.values():
            self.stdout.write(f"  {user.username:<10} / {members_demo.DEMO_PASSWORD}")

    def _refuse_real_people(self) -> None:
        """The demo logs in, joins, posts and votes as its users: never as a person (R1)."""
        if clashes := members_demo.foreign_accounts():
            raise CommandError(
                "Not seeding: these accounts were not made by seed_demo but hold a demo "
                f"username or address: {', '.join(clashes)}. Seed an empty database."
            )
        communities = sorted(
            set(
                Membership.objects.filter(community__slug__in=purposes_demo.DEMO_SLUGS)
                .exclude(user__seeded_by=members_demo.SEEDED_BY)
                .values_list("community__slug", flat=True)
            )
        )
        if communities:
            raise CommandError(
                "Not seeding: these communities at demo addresses have members seed_demo "
                f"did not create: {', '.join(communities)}. Seed an empty database."
            )
