"""Demo users for `manage.py seed_demo`. Idempotent: the demo's own users are left as
they are; it never touches an account it did not create (see ``foreign_accounts``)."""

from allauth.account.models import EmailAddress
from django.db.models import Q

from members.models import User

DEMO_PASSWORD = "commons-demo"  # noqa: S105 (published demo accounts)
SEEDED_BY = "seed_demo"
DEMO_USERS = [
    ("alice", "Alice Moreau", "Gardener and organiser of the riverside plots."),
    ("bruno", "Bruno Okafor", "Cycles everywhere; fixes bikes on Saturdays."),
    ("chen", "Chen Wei", "Teaches maths, reads novels, asks questions."),
    ("dara", "Dara Byrne", "New in town."),
    ("emil", "Emil Novak", "Librarian."),
    ("fatima", "Fatima Haddad", "Runs the community kitchen."),
]


def _email(username: str) -> str:
    return f"{username}@example.org"


def foreign_accounts() -> list[str]:
    """Usernames of accounts the demo did not create that hold a demo username or address:
    seeding would log in as them, join them to communities and post and vote in their
    name. The demo refuses to run while there is any."""
    names = [username for username, _name, _bio in DEMO_USERS]
    clash = Q(username__in=names) | Q(email__in=[_email(n) for n in names])
    clash |= Q(emailaddress__email__in=[_email(n) for n in names])
    return sorted(
        set(
            User.objects.filter(clash)
            .exclude(seeded_by=SEEDED_BY)
            .values_list("username", flat=True)
        )
    )


def seed() -> dict[str, User]:
    users = {}
    for username, display_name, bio in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": _email(username),
                "display_name": display_name,
                "bio": bio,
                "seeded_by": SEEDED_BY,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        users[username] = user
    return users
