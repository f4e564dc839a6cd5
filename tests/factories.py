import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user with a verified email address (allauth requires one to log in)."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified(user, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)


class CommunityFactory(factory.django.DjangoModelFactory):
    """An active community with charter version 1 in force (default rules)."""

    class Meta:
        model = "community.Community"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.Sequence(lambda n: f"community-{n}")
    tagline = "People with a shared purpose"
    state = "active"
    visibility = "public"
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def charter(community, create, extracted, **kwargs):
        if not create:
            return
        from purposes.models import Charter

        fields = {
            "purpose": "To look after each other and the place we share.",
            "goals": ["Meet every month", "Keep the garden open to all"],
        } | kwargs
        community.charter = Charter.objects.create(community=community, version=1, **fields)
        community.save(update_fields=["charter"])


class MembershipFactory(factory.django.DjangoModelFactory):
    """A current member who affirmed the charter in force. Test setup only: in the app a
    membership is created only by the user's own action (R1)."""

    class Meta:
        model = "members.Membership"

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)
    affirmed_charter = factory.LazyAttribute(lambda m: m.community.charter)
    affirmed_at = factory.LazyFunction(timezone.now)

    class Params:
        # A founder: joined by the time the community became active, so established
        # (their flags count, they sit on juries) from then on.
        founder = factory.Trait(joined_at=factory.LazyAttribute(lambda m: m.community.activated_at))


def community_with_members(count: int, **community_fields):
    """An active community and ``count`` current members (a list of Membership), for the
    proposal and vote tests. Charter fields go in as ``charter__<field>=...``."""
    community = CommunityFactory(**community_fields)
    return community, [MembershipFactory(community=community) for _ in range(count)]


# --- Moderation (issue 6) ---------------------------------------------------------------


def moderator_membership(community, **fields):
    """A member elected moderator, term ending in 30 days (test setup; in the app an
    election proposal grants the role)."""
    from datetime import timedelta

    return MembershipFactory(
        community=community,
        role="moderator",
        moderator_term_ends_at=timezone.now() + timedelta(days=30),
        **fields,
    )


def thread_with_post(*, community, author, title="A thread", body="Hello, everyone."):
    """A thread made through the real action, and its opening post."""
    from community.actions import do_create_thread

    thread = do_create_thread(author=author, community=community, title=title, body=body)
    return thread, thread.posts.get(depth=0)


def reply_to(post, *, author, body="A reply."):
    from community.actions import do_reply

    return do_reply(author=author, thread=post.thread, parent_id=post.pk, body=body)
