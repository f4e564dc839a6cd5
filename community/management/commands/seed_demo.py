from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from community import demo as community_demo
from community import demo_engagement, demo_moderation
from community.notifications import do_mark_emailed_without_sending
from members import demo as members_demo
from purposes import demo as purposes_demo
from purposes import demo_proposals


class Command(BaseCommand):
    help = "Create demo users and data. Idempotent: running it twice changes nothing."

    def handle(self, *args, **options):
        started = timezone.now()
        with transaction.atomic():
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
