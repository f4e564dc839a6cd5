"""Who may read a community's content: one rule, asked in SQL for lists and in Python for
one community a page has loaded."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from community.models import Community
from community.permissions import can_read
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_can_read_agrees_with_readable_by_for_every_kind_of_viewer():
    public = CommunityFactory(visibility=Community.Visibility.PUBLIC)
    closed = CommunityFactory(visibility=Community.Visibility.MEMBERS)
    member, former, outsider = UserFactory(), UserFactory(), UserFactory()
    for community in (public, closed):
        MembershipFactory(user=member, community=community)
        MembershipFactory(user=former, community=community, left_at=timezone.now())
    expected = {
        member: {public, closed},
        former: {public},
        outsider: {public},
        AnonymousUser(): {public},
    }
    for viewer, readable in expected.items():
        assert set(Community.objects.readable_by(viewer)) == readable, viewer
        for community in (public, closed):
            assert can_read(viewer, community) is (community in readable), (viewer, community)
