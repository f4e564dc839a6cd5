"""Writes of a community's own row (community/lifecycle.py): created forming, its charter
put in force, made active, linked to its parent, dissolved."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from community import lifecycle
from community.models import Community
from purposes.models import Charter
from tests.factories import CommunityFactory

pytestmark = pytest.mark.django_db


def create(slug="growers"):
    return lifecycle.do_create_community(
        name="Growers", slug=slug, tagline="We grow", visibility="public"
    )


def test_do_create_community_creates_it_forming_without_a_charter():
    community = create()
    stored = Community.objects.get(pk=community.pk)
    assert (stored.name, stored.slug, stored.tagline) == ("Growers", "growers", "We grow")
    assert stored.state == Community.State.FORMING and stored.charter_id is None
    assert stored.parent_id is None and stored.activated_at is None


def test_do_create_community_refuses_a_taken_address():
    create()
    with pytest.raises(IntegrityError), transaction.atomic():
        create()
    assert Community.objects.count() == 1


def test_do_set_charter_puts_the_charter_in_force():
    community = create()
    charter = Charter.objects.create(community=community, version=1, purpose="Grow", goals=["a"])
    lifecycle.do_set_charter(community=community, charter=charter)
    assert community.charter == charter
    assert Community.objects.get(pk=community.pk).charter_id == charter.pk


def test_do_activate_community_activates_a_forming_community_once():
    community = create()
    at = timezone.now()
    assert lifecycle.do_activate_community(community=community, at=at) is True
    assert community.state == Community.State.ACTIVE and community.activated_at == at
    later = at + timedelta(hours=1)
    assert lifecycle.do_activate_community(community=community, at=later) is False
    stored = Community.objects.get(pk=community.pk)
    assert stored.state == Community.State.ACTIVE and stored.activated_at == at


def test_do_activate_community_leaves_a_dissolved_community_alone():
    community = CommunityFactory(state=Community.State.DISSOLVED)
    assert lifecycle.do_activate_community(community=community, at=timezone.now()) is False
    assert Community.objects.get(pk=community.pk).state == Community.State.DISSOLVED


def test_do_set_parent_records_the_parent_once():
    parent, other, child = CommunityFactory(), CommunityFactory(), create()
    assert lifecycle.do_set_parent(community=child, parent=parent) is True
    assert child.parent == parent
    assert lifecycle.do_set_parent(community=child, parent=other) is False
    assert Community.objects.get(pk=child.pk).parent_id == parent.pk


def test_do_dissolve_community_makes_it_an_archive_once():
    community = CommunityFactory()
    at = timezone.now()
    assert lifecycle.do_dissolve_community(community=community, at=at) is True
    assert community.is_dissolved and community.dissolved_at == at
    assert lifecycle.do_dissolve_community(community=community, at=at + timedelta(days=1)) is False
    stored = Community.objects.get(pk=community.pk)
    assert stored.state == Community.State.DISSOLVED and stored.dissolved_at == at
