"""Proposing a change of the charter's decision methods through the API (issue 18): the
same validation as the proposal form, the same error shape as every other rule."""

import pytest

from purposes.methods.charter import DEFAULT_METHODS
from purposes.models import Proposal
from tests.api.conftest import bearer
from tests.factories import community_with_members

pytestmark = pytest.mark.django_db

RANKED_SECRET = DEFAULT_METHODS | {"purpose": {"method": "ranked", "secret": True}}


def test_api_proposes_a_change_of_method_and_refuses_a_bad_one(api):
    community, members = community_with_members(3)
    base = f"/communities/{community.slug}/proposals"
    token = bearer(members[0].user)
    body = {"kind": "rules", "title": "Rank", "rationale": "r"}
    bad = api.post(base, body | {"rules": {"methods": {"purpose": "ranked"}}}, token=token)
    assert bad.status_code == 422 and "rules.methods" in bad.json()["fields"]
    assert "none is set for changing the rules" in str(bad.json()["fields"]["rules.methods"])
    bad = api.post(base, body | {"rules": {"amendments_to_vote": "yes"}}, token=token)
    assert bad.status_code == 422 and "rules.amendments_to_vote" in bad.json()["fields"]
    assert not Proposal.objects.exists()
    made = api.post(
        base, body | {"rules": {"methods": RANKED_SECRET, "amendments_to_vote": True}}, token=token
    )
    assert made.status_code == 201, made.content
    proposal = Proposal.objects.get()
    assert proposal.rules["methods"] == RANKED_SECRET and proposal.rules["amendments_to_vote"]
    charter = api.get(f"/communities/{community.slug}", token=token).json()["charter"]
    assert charter["rules"]["methods"] == DEFAULT_METHODS
    assert charter["rules"]["amendments_to_vote"] is False
