"""Demo users for `manage.py seed_demo`. Idempotent: existing users are left as they are."""

from allauth.account.models import EmailAddress

from .models import User

DEMO_PASSWORD = "commons-demo"  # noqa: S105 (published demo accounts)
DEMO_USERS = [
    ("alice", "Alice Moreau", "Gardener and organiser of the riverside plots."),
    ("bruno", "Bruno Okafor", "Cycles everywhere; fixes bikes on Saturdays."),
    ("chen", "Chen Wei", "Teaches maths, reads novels, asks questions."),
    ("dara", "Dara Byrne", "New in town."),
    ("emil", "Emil Novak", "Librarian."),
    ("fatima", "Fatima Haddad", "Runs the community kitchen."),
]


def seed() -> dict[str, User]:
    users = {}
    for username, display_name, bio in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.org", "display_name": display_name, "bio": bio},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        users[username] = user
    return users
