"""The member's standing in a community is one query, cached for the request."""

import pytest

from members.models import Membership
from members.permissions import current_membership
from purposes.selectors import needs_reaffirm
from tests.purposes.test_charter_pages import passed_purpose_change

pytestmark = pytest.mark.django_db


def test_standing_is_one_query_per_request_and_the_banner_one_more_only_when_unaffirmed(
    django_assert_num_queries,
):
    """The standing every member page reads stays one plain query; whether the purpose
    changed is asked only of a member who has not affirmed the charter in force."""
    community, members, _ = passed_purpose_change()
    # members[0] re-affirms the new purpose, members[1] never affirmed any, members[2]
    # affirmed the version before the change.
    Membership.objects.filter(pk=members[0].pk).update(affirmed_charter=community.charter)
    Membership.objects.filter(pk=members[1].pk).update(affirmed_charter=None)
    older = community.charters.get(version=1)
    Membership.objects.filter(pk=members[2].pk).update(affirmed_charter=older)
    for membership, expected in zip(members, (False, True, True), strict=True):
        user = type(membership.user).objects.get(pk=membership.user_id)
        with django_assert_num_queries(1):
            standing = current_membership(user, community)
            assert current_membership(user, community) is standing  # cached
        with django_assert_num_queries(1 if expected else 0):
            assert needs_reaffirm(standing, community) is expected
