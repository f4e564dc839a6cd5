"""A community's member count, kept by the database (members.MemberCount, migration 0011):
every way a membership starts, ends, moves or goes leaves it equal to a real count."""

import pytest
from django.urls import reverse
from django.utils import timezone

from members import joining, selectors
from members.models import MemberCount, Membership
from members.standing import do_remove_member
from tests.factories import CommunityFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def counted(community) -> int:
    real = Membership.objects.current().filter(community=community).count()
    kept = selectors.member_count(community)
    assert kept == real, f"kept {kept}, counted {real}"
    return kept


def test_member_count_follows_join_leave_remove_and_rejoin():
    community = CommunityFactory()
    assert counted(community) == 0
    alice, bob = UserFactory(), UserFactory()
    joining.check_join(actor=alice, community=community, affirmed=True)
    joining.check_join(actor=bob, community=community, affirmed=True)
    joining.check_join(actor=bob, community=community, affirmed=True)  # twice: one member
    assert counted(community) == 2
    left = joining.check_leave(actor=alice, community=community)
    joining.do_leave(membership=left)  # already gone: no change
    assert counted(community) == 1
    assert do_remove_member(user=bob, community=community, at=timezone.now())
    assert counted(community) == 0
    joining.check_join(actor=alice, community=community, affirmed=True)
    assert counted(community) == 1


def test_member_count_follows_rows_written_without_the_actions():
    # Imports, seeds and factories write memberships directly; the count still holds.
    here, there = CommunityFactory(), CommunityFactory()
    rows = [MembershipFactory(community=here) for _ in range(3)]
    Membership.objects.bulk_create(
        [Membership(user=UserFactory(), community=there) for _ in range(2)]
    )
    assert (counted(here), counted(there)) == (3, 2)
    Membership.objects.filter(pk=rows[0].pk).update(community=there)
    assert (counted(here), counted(there)) == (2, 3)
    Membership.objects.filter(pk=rows[1].pk).update(left_at=timezone.now())
    Membership.objects.filter(pk=rows[1].pk).update(role=Membership.Role.MODERATOR)
    assert counted(here) == 1
    Membership.objects.filter(pk__in=[rows[1].pk, rows[2].pk]).delete()  # one past, one current
    assert (counted(here), counted(there)) == (0, 3)
    assert MemberCount.objects.get(community=there).current == 3


def test_home_and_directory_show_the_kept_count(client):
    community = CommunityFactory(name="Orchard")
    for _ in range(3):
        joining.check_join(actor=UserFactory(), community=community, affirmed=True)
    home = client.get(reverse("community:home", kwargs={"slug": community.slug})).text
    assert ">3</a>" in home
    assert "3 members" in client.get(reverse("community:directory")).text
