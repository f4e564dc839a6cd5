"""Charter and history pages: public for everyone, affirmation, the diff, query counts."""

import pytest
from django.urls import reverse

from purposes.drafting import check_create_proposal, check_submit_proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import UserFactory, community_with_members

from .test_votes import in_voting

pytestmark = pytest.mark.django_db


def passed_purpose_change():
    community, members, proposal = in_voting(3)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for", reason="Yes")
    do_sweep(now=proposal.voting_ends_at)
    community.refresh_from_db()
    return community, members, proposal


def test_charter_is_public_even_for_a_members_only_community(client, django_assert_max_num_queries):
    community, members = community_with_members(2, visibility="members")
    url = reverse("purposes:charter", kwargs={"slug": community.slug})
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    assert "To look after each other" in response.content.decode()
    assert "Affirm this charter" not in response.content.decode()


def test_charter_shows_affirmation_to_a_member(client, django_assert_max_num_queries):
    community, members = community_with_members(2)
    client.force_login(members[0].user)
    url = reverse("purposes:charter", kwargs={"slug": community.slug})
    with django_assert_max_num_queries(10):
        body = client.get(url).content.decode()
    assert "You affirmed this version" in body


def test_purpose_change_asks_members_to_reaffirm_until_they_do(client):
    community, members, proposal = passed_purpose_change()
    assert community.charter.version == 2
    client.force_login(members[1].user)
    url = reverse("purposes:charter", kwargs={"slug": community.slug})
    body = client.get(url).content.decode()
    assert "The purpose of" in body and "has changed" in body
    assert "Re-affirm the purpose" in body
    response = client.post(reverse("purposes:affirm", kwargs={"slug": community.slug}))
    assert response.status_code == 302
    members[1].refresh_from_db()
    assert members[1].affirmed_charter_id == community.charter_id
    body = client.get(url).content.decode()
    assert "has changed" not in body and "You affirmed this version" in body


def test_affirm_refuses_a_non_member(client):
    community, members = community_with_members(1)
    client.force_login(UserFactory())
    response = client.post(reverse("purposes:affirm", kwargs={"slug": community.slug}), follow=True)
    assert "Only members affirm" in response.content.decode()


def test_history_shows_every_version_with_its_diff_and_tally(client, django_assert_max_num_queries):
    community, members, proposal = passed_purpose_change()
    url = reverse("purposes:charter_history", kwargs={"slug": community.slug})
    with django_assert_max_num_queries(6):
        response = client.get(url)
    body = response.content.decode()
    assert "Version 2" in body and "Version 1" in body
    assert "<ins>" in body and "<del>" in body and "[added: </span>" in body
    assert "3 for, 0 against, 0 abstaining" in body
    assert proposal.title in body


def test_history_query_count_does_not_grow_with_versions(client, django_assert_max_num_queries):
    community, members, proposal = passed_purpose_change()
    second = check_create_proposal(
        actor=members[0].user, community=community, kind="purpose", title="Again",
        rationale="r", proposed=type(community.charter.text())(
            purpose="Third purpose", goals=[], rules=community.charter.rules()),
    )  # fmt: skip
    check_submit_proposal(actor=members[0].user, proposal=second)
    for m in members[1:]:
        check_second_proposal(actor=m.user, proposal=second)
    second.refresh_from_db()
    do_sweep(now=second.discussion_ends_at)
    for m in members:
        check_cast_vote(actor=m.user, proposal=second, choice="for")
    second.refresh_from_db()
    do_sweep(now=second.voting_ends_at)
    client.force_login(members[0].user)
    url = reverse("purposes:charter_history", kwargs={"slug": community.slug})
    with django_assert_max_num_queries(9):
        body = client.get(url).content.decode()
    assert "Version 3" in body


def test_charter_page_404_for_unknown_community(client):
    assert client.get("/c/nope/charter/").status_code == 404
