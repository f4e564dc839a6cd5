"""The demo proposals: every state, charter version 2, idempotent."""

import io

import pytest
from django.core.management import call_command

from purposes.models import Charter, Proposal

pytestmark = pytest.mark.django_db


def test_seed_demo_makes_proposals_in_every_state_once():
    call_command("seed_demo", i_know=True, stdout=io.StringIO())
    states = set(Proposal.objects.values_list("state", flat=True))
    assert states == set(Proposal.State.values)
    community = Proposal.objects.get(state="passed").community
    assert community.charter.version == 2
    assert Charter.objects.get(community=community, version=2).proposal.state == "passed"
    count = Proposal.objects.count()
    call_command("seed_demo", i_know=True, stdout=io.StringIO())
    assert Proposal.objects.count() == count
