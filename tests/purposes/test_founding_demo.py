"""The demo communities: each state and join policy, built through the real actions."""

import pytest

from community.models import Community
from demo import members as members_demo
from demo import purposes as demo
from members.models import Application, Invitation, Membership

pytestmark = pytest.mark.django_db


def test_demo_communities_cover_each_state_and_policy_and_are_idempotent(settings):
    settings.FOUNDING_QUORUM = 3
    users = members_demo.seed()
    demo.seed(users)
    demo.seed(users)
    communities = {c.slug: c for c in Community.objects.select_related("charter")}
    assert {c.state for c in communities.values()} == {"forming", "active", "dissolved"}
    assert {c.charter.join_policy for c in communities.values()} == {
        "open",
        "application",
        "invitation",
    }
    assert communities["book-circle"].visibility == "members"
    kitchen = communities["community-kitchen"]
    endorsed = Membership.objects.current().filter(
        community=kitchen, affirmed_charter=kitchen.charter
    )
    assert 1 <= endorsed.count() < settings.FOUNDING_QUORUM
    assert Application.objects.pending().filter(user__username="dara").exists()
    assert Invitation.objects.pending().filter(invitee__username="fatima").exists()
    # Every membership was made by an action, affirming the charter then in force.
    assert not Membership.objects.filter(affirmed_charter__isnull=True).exists()
