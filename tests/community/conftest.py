"""A community with two members and a thread, shared by the post and notification tests."""

import pytest

from community import actions
from community.models import Post
from tests.factories import CommunityFactory, MembershipFactory


@pytest.fixture
def community():
    return CommunityFactory(slug="kitchen", name="Kitchen")


@pytest.fixture
def alice(community):
    return MembershipFactory(community=community, user__username="alice").user


@pytest.fixture
def bruno(community):
    return MembershipFactory(community=community, user__username="bruno").user


@pytest.fixture
def thread(community, alice):
    """Alice's thread, made through the real action."""
    return actions.check_create_thread(
        actor=alice, community=community, title="Menu for Friday", body="Soup or stew?"
    )


@pytest.fixture
def root(thread):
    return Post.objects.get(thread=thread, depth=0)
