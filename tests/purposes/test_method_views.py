"""The proposal page and the vote for the charter's methods (#18): stated before anyone
votes, a ballot per method that works without JavaScript, bad input refused with the
choices kept, every role, and the count explained after the close."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from purposes.models import Proposal, Vote
from purposes.sweep import do_sweep
from purposes.voting import check_cast_ballot, check_cast_consent
from tests.factories import MembershipFactory, UserFactory

from .test_method_voting import in_voting_by

pytestmark = pytest.mark.django_db


def url(name, proposal):
    return reverse(
        f"purposes:{name}", kwargs={"slug": proposal.community.slug, "proposal_id": proposal.pk}
    )


def test_the_page_states_the_method_and_the_seed_before_anyone_votes(client):
    _, users, proposal = in_voting_by("consent")
    client.force_login(users[1])
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Decided by consent:" in body
    assert "it passes if no objection stands when the vote closes" in body
    assert "Quorum: 1 vote" in body
    assert proposal.tie_seed in body
    for button in ("Consent", "Stand aside", "Object"):
        assert f">{button}</button>" in body


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff", "suspended"])
def test_only_members_of_the_electorate_vote_and_nobody_votes_for_another(client, who):
    community, users, proposal = in_voting_by("consent")
    if who == "outsider":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    elif who == "suspended":
        membership = users[1].memberships.get(community=community)
        membership.suspended_until = timezone.now() + timedelta(days=3)
        membership.save()
        client.force_login(users[1])
    # A "user" field names someone else: the vote, if any, could only ever be the sender's.
    response = client.post(url("vote", proposal), {"choice": "consent", "user": users[2].pk})
    assert not Vote.objects.exists()
    if who == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    else:
        assert response.status_code == 400
        body = response.content.decode()
        assert "Only members of the electorate" in body or "suspended until" in body


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_a_member_or_moderator_casts_their_own_consent(client, role):
    community, users, proposal = in_voting_by("consent")
    membership = users[1].memberships.get(community=community)
    membership.role = role
    membership.save()
    client.force_login(users[1])
    response = client.post(url("vote", proposal), {"choice": "object", "reason": "Too vague"})
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert (vote.user, vote.choice, vote.reason) == (users[1], "object", "Too vague")
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Withdraw my objection" in body


def test_an_objection_without_a_reason_is_refused_on_the_page(client):
    _, users, proposal = in_voting_by("consent")
    client.force_login(users[1])
    response = client.post(url("vote", proposal), {"choice": "object", "reason": ""})
    assert response.status_code == 400
    assert "An objection needs a reason" in response.content.decode()
    assert not Vote.objects.exists()


def test_withdrawing_an_objection_over_http(client):
    _, users, proposal = in_voting_by("consent")
    check_cast_consent(actor=users[1], proposal=proposal, position="object", reason="No")
    client.force_login(users[1])
    step = reverse(
        "purposes:proposal_step",
        kwargs={
            "slug": proposal.community.slug,
            "proposal_id": proposal.pk,
            "step": "withdraw-objection",
        },
    )
    client.post(step)
    assert Vote.objects.get(superseded_at__isnull=True).withdrawn_at is not None
    body = client.get(url("proposal", proposal)).content.decode()
    assert "(withdrawn)" in body and "Withdraw my objection" not in body


def test_a_ranking_with_a_duplicate_is_refused_and_the_choices_are_kept(client):
    _, users, proposal = in_voting_by("ranked", alternatives=["To share."])
    client.force_login(users[1])
    response = client.post(url("vote", proposal), {"rank_1": "alt-1", "rank_2": "alt-1"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "only once" in body or "twice" in body
    assert body.count('<option value="alt-1" selected>') == 2
    assert not Vote.objects.exists()
    response = client.post(url("vote", proposal), {"rank_1": "", "rank_2": "keep"})
    assert response.status_code == 400 and "Choice 1 is empty" in response.content.decode()
    ranking = {"rank_1": "alt-1", "rank_2": "keep"}
    assert client.post(url("vote", proposal), ranking).status_code == 302
    assert Vote.objects.get().ballot == ["alt-1", "keep"]


def test_approval_of_nothing_and_a_score_out_of_range_are_refused_over_http(client):
    _, users, proposal = in_voting_by("approval")
    client.force_login(users[1])
    response = client.post(url("vote", proposal), {"reason": "hm"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Approve at least one option" in response.content.decode()
    _, users, scored = in_voting_by("score")
    client.force_login(users[1])
    response = client.post(url("vote", scored), {"score_proposal": "9", "score_keep": "1"})
    assert response.status_code == 400 and "scores go from 0 to 5" in response.content.decode()
    assert not Vote.objects.exists()


def test_the_closed_page_explains_the_count_round_by_round(client, django_assert_max_num_queries):
    _, users, proposal = in_voting_by("ranked", count=5, alternatives=["To share."])
    for user, ballot in zip(
        users,
        [["proposal"], ["proposal"], ["alt-1", "proposal"], ["keep"], ["alt-1", "keep"]],
        strict=True,
    ):
        check_cast_ballot(actor=user, proposal=proposal, ballot=ballot)
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.PASSED
    with django_assert_max_num_queries(16):
        body = client.get(url("proposal", proposal)).content.decode()
    assert "Result: passed" in body
    assert proposal.result_reason.split(":")[0] in body
    assert "Round 1" in body and "Round 2" in body
    assert "Method: <strong>Ranked choice</strong>" in body
    assert "Turnout: 5 of 5 voted" in body
    assert "Download the round-by-round count (CSV)" in body


def test_the_count_csv_is_404_before_the_close_and_to_outsiders_of_a_private_community(client):
    community, users, proposal = in_voting_by("approval")
    assert client.get(url("proposal_count_csv", proposal)).status_code == 404
    community.visibility = "members"
    community.save()
    MembershipFactory(community=community)
    assert client.get(url("proposal", proposal)).status_code == 404
