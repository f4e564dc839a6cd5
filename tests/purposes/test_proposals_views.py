"""Proposal pages over HTTP: who sees what, forms with errors, the vote panel (htmx and
plain POST), and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from purposes.models import Charter, Proposal, Vote
from tests.factories import MembershipFactory, UserFactory, community_with_members

from .test_proposals import draft, to_discussion
from .test_votes import in_voting

pytestmark = pytest.mark.django_db


def url(name, proposal=None, community=None, **kwargs):
    community = community or proposal.community
    if proposal is not None:
        kwargs["proposal_id"] = proposal.pk
    return reverse(f"purposes:{name}", kwargs={"slug": community.slug, **kwargs})


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_members_only_proposals_are_404_to_outsiders(client, who):
    community, members = community_with_members(3, visibility="members")
    proposal = to_discussion(community, members)
    if who == "outsider":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(url("proposal", proposal)).status_code == 404
    assert client.get(url("proposals", community=community)).status_code == 404


def test_public_proposal_is_readable_by_anyone(client, django_assert_max_num_queries):
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    with django_assert_max_num_queries(8):
        response = client.get(url("proposal", proposal))
    body = response.content.decode()
    assert response.status_code == 200
    assert "In discussion" in body and 'aria-current="step"' in body
    assert "Needs two thirds of the votes cast for or against" in body
    assert "<ins>" in body
    assert "Vote for" not in body and "Second this proposal" not in body


def test_a_draft_is_seen_only_by_its_proposer(client):
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    client.force_login(members[1].user)
    assert client.get(url("proposal", proposal)).status_code == 404
    assert proposal.title not in client.get(url("proposals", community=community)).content.decode()
    client.force_login(members[0].user)
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Submit for seconds" in body and "<del>" in body


def test_proposal_page_for_a_member_in_voting(client, django_assert_max_num_queries):
    community, members, proposal = in_voting(4)
    client.post(url("vote", proposal), {"choice": "for", "reason": "Good idea"})
    client.force_login(members[1].user)
    with django_assert_max_num_queries(16):
        body = client.get(url("proposal", proposal)).content.decode()
    assert "Vote for" in body and "Vote against" in body and "Abstain" in body


def test_proposal_list_query_count_is_flat(client, django_assert_max_num_queries):
    community, members = community_with_members(4)
    for i in range(8):  # rotating proposers: each may draft five a day
        to_discussion(community, members[i % 4 :] + members[: i % 4])
    client.force_login(members[0].user)
    with django_assert_max_num_queries(8):
        body = client.get(url("proposals", community=community)).content.decode()
    assert body.count("Grow food") == 8


def test_new_proposal_form_keeps_what_was_typed_on_error(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    response = client.post(
        url("proposal_new", community=community) + "?kind=purpose",
        {"kind": "purpose", "title": "", "rationale": "My careful reasons", "purpose": "New aim",
         "goals": "One\nTwo"},
    )  # fmt: skip
    body = response.content.decode()
    assert response.status_code == 400
    assert "My careful reasons" in body and "New aim" in body
    assert "This field is required" in body
    assert not Proposal.objects.exists()


def test_new_proposal_that_changes_nothing_is_refused(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    charter = community.charter
    response = client.post(
        url("proposal_new", community=community),
        {"kind": "purpose", "title": "Same", "rationale": "r", "purpose": charter.purpose,
         "goals": "\n".join(charter.goals)},
    )  # fmt: skip
    assert response.status_code == 400
    assert "changes nothing" in response.content.decode()


def test_new_proposal_draft_then_submit(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    response = client.post(
        url("proposal_new", community=community),
        {"kind": "purpose", "title": "Grow food", "rationale": "Why not", "purpose": "Grow food",
         "goals": "Plant"},
    )  # fmt: skip
    proposal = Proposal.objects.get()
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    client.post(url("proposal_step", proposal, step="submit"))
    proposal.refresh_from_db()
    assert proposal.state == "seeking"


def test_non_member_cannot_open_the_new_proposal_form(client):
    community, members = community_with_members(1)
    client.force_login(UserFactory())
    assert client.get(url("proposal_new", community=community)).status_code == 404


def test_remove_member_form_does_not_offer_yourself(client):
    community, members = community_with_members(3)
    client.force_login(members[0].user)
    body = client.get(url("proposal_new", community=community) + "?kind=remove").content.decode()
    assert f"@{members[1].user.username}" in body
    assert f"@{members[0].user.username}" not in body


def test_vote_plain_post_redirects_and_records(client):
    community, members, proposal = in_voting(3)
    client.force_login(members[0].user)
    response = client.post(url("vote", proposal), {"choice": "against", "reason": "Not yet"})
    assert response.status_code == 302
    assert Vote.objects.get().choice == "against"


def test_vote_htmx_returns_the_panel(client):
    community, members, proposal = in_voting(3)
    client.force_login(members[0].user)
    response = client.post(
        url("vote", proposal),
        {"choice": "for", "reason": "Why not"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="vote-panel"' in body and "<html" not in body
    assert "Your vote is recorded" in body
    assert 'id="vote-reasons" data-hx-swap-oob="true"' in body and "Why not" in body


def test_vote_with_a_bad_choice_keeps_the_reason(client):
    community, members, proposal = in_voting(3)
    client.force_login(members[0].user)
    response = client.post(url("vote", proposal), {"choice": "maybe", "reason": "My reason"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "My reason" in body and "Select a valid choice" in body
    assert not Vote.objects.exists()


def test_vote_by_a_late_joiner_is_refused_with_a_message(client):
    community, members, proposal = in_voting(3)
    late = MembershipFactory(community=community)
    client.force_login(late.user)
    response = client.post(url("vote", proposal), {"choice": "for"}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "not in the electorate" in response.content.decode()
    assert not Vote.objects.exists()


def test_vote_on_a_proposal_through_another_community_address_is_404(client):
    community, members, proposal = in_voting(3)
    other, _ = community_with_members(1)
    client.force_login(members[0].user)
    bad = reverse("purposes:vote", kwargs={"slug": other.slug, "proposal_id": proposal.pk})
    assert client.post(bad, {"choice": "for"}).status_code == 404
    assert not Vote.objects.exists()


def test_second_over_http_and_refusal_for_the_proposer(client):
    community, members = community_with_members(4, charter__seconds_required=3)
    proposal = draft(community, members[0].user)
    client.force_login(members[0].user)
    client.post(url("proposal_step", proposal, step="submit"))
    response = client.post(url("proposal_step", proposal, step="second"), follow=True)
    assert "cannot second your own proposal" in response.content.decode()
    client.force_login(members[1].user)
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Second this proposal" in body
    client.post(url("proposal_step", proposal, step="second"))
    assert proposal.seconds.count() == 1


def test_unknown_step_is_404(client):
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    client.force_login(members[0].user)
    assert client.post(url("proposal_step", proposal, step="explode")).status_code == 404


def test_offshoot_founds_a_child_and_tells_the_members_in_a_daily_digest(client):
    from community.models import Community
    from notifications.models import Notification

    community, members = community_with_members(3)
    client.force_login(members[0].user)
    page = client.get(url("offshoot", community=community)).content.decode()
    assert "To look after each other" in page  # the charter is copied for editing
    data = {
        "community-name": "Riverside Growers", "community-slug": "riverside-growers",
        "community-tagline": "", "community-visibility": "public",
        "charter-purpose": "To grow food together.", "charter-goals": "Plant",
        "charter-join_policy": "open", "charter-seconds_required": 2,
        "charter-discussion_days": 3, "charter-voting_days": 7, "charter-quorum_percent": 25,
        "charter-major_quorum_percent": 40, "charter-flag_threshold": 3,
        "charter-moderator_term_days": 90,
    }  # fmt: skip
    response = client.post(url("offshoot", community=community), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    child = Community.objects.get(slug="riverside-growers")
    assert child.parent == community
    # The members hear of it in the next day's digest, not one notification each.
    assert not Notification.objects.filter(text__contains="grown out of").exists()
    from purposes.offshoots import do_send_offshoot_digests

    do_send_offshoot_digests(now=timezone.now() + timedelta(days=1))
    told = Notification.objects.filter(community=community, text__contains="grown out of")
    assert sorted(told.values_list("recipient", flat=True)) == sorted(m.user_id for m in members)
    assert members[1].user.memberships.filter(community=child).count() == 0  # nobody moved
    body = client.get(url("charter", community=community)).content.decode()
    assert "Communities that grew out of this one" in body and "Riverside Growers" in body


def test_offshoot_refuses_a_non_member(client):
    community, members = community_with_members(1)
    client.force_login(UserFactory())
    assert client.get(url("offshoot", community=community)).status_code == 404


def test_election_waits_for_the_nominee_who_accepts_on_the_page(client):
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user, kind="elect", target=members[1], proposed=None)
    client.force_login(members[0].user)
    response = client.post(url("proposal_step", proposal, step="submit"), follow=True)
    assert "The nominee has not accepted yet" in response.content.decode()
    client.force_login(members[1].user)
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Accept the nomination" in body
    client.post(url("proposal_step", proposal, step="accept"))
    client.force_login(members[0].user)
    client.post(url("proposal_step", proposal, step="submit"))
    proposal.refresh_from_db()
    assert proposal.state == "seeking"


def test_rebase_over_http_when_the_charter_moved_on(client):
    from purposes.models import Charter

    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    v2 = Charter.objects.create(community=community, version=2, purpose="Newer", goals=[])
    community.charter = v2
    community.save()
    client.force_login(members[0].user)
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Rebase on version 2" in body
    client.post(url("proposal_step", proposal, step="rebase"))
    proposal.refresh_from_db()
    assert proposal.base_charter == v2


def test_staff_can_read_a_public_proposal_but_not_vote_or_propose(client):
    community, members, proposal = in_voting(3)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    body = client.get(url("proposal", proposal)).content.decode()
    assert "Vote for" not in body
    client.post(url("vote", proposal), {"choice": "for"})
    assert not Vote.objects.exists()
    assert client.get(url("proposal_new", community=community)).status_code == 404


def test_moderator_votes_like_any_member(client):
    community, members, proposal = in_voting(3)
    members[1].role = "moderator"
    members[1].save()
    client.force_login(members[1].user)
    client.post(url("vote", proposal), {"choice": "abstain"})
    assert Vote.objects.get().choice == "abstain"


def test_admin_shows_charters_proposals_and_votes_read_only(client):
    community, members, proposal = in_voting(3)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for model in ("charter", "proposal", "vote"):
        assert client.get(f"/admin/purposes/{model}/").status_code == 200
        assert client.get(f"/admin/purposes/{model}/add/").status_code == 403
    # No detail page: a proposal's text is members-only where its community is.
    assert client.get(f"/admin/purposes/proposal/{proposal.pk}/change/").status_code == 403
    client.post(f"/admin/purposes/proposal/{proposal.pk}/change/", {"title": "Hacked"})
    client.post(f"/admin/purposes/proposal/{proposal.pk}/delete/", {"post": "yes"})
    proposal.refresh_from_db()
    assert proposal.title == "Grow food"


def test_revisions_are_shown_with_what_each_changed(client):
    from purposes.charter_diff import CharterText
    from purposes.drafting import check_revise_proposal

    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    text = community.charter.text()
    check_revise_proposal(
        actor=members[0].user,
        proposal=proposal,
        title="Grow and share food",
        rationale="Better.",
        proposed=CharterText(purpose="To grow and share food.", goals=text.goals, rules=text.rules),
    )
    body = client.get(url("proposal", proposal)).content.decode()
    # A change of purpose after seconds withdraws them (a new text needs new seconds).
    assert "Changed what it does after it was seconded" in body
    assert "What this revision changed" in body
    assert "<del>Grow food</del> <ins>Grow and share food</ins>" in body


def test_deciding_now_lists_voting_and_discussion_soonest_first():
    from purposes.selectors import deciding_now

    community, members, voting = in_voting(3)
    discussing = to_discussion(community, members[1:] + members[:1])
    assert [p.pk for p in deciding_now(community)] == [discussing.pk, voting.pk]


def test_withdrawn_draft_timeline_marks_stages_not_reached(client):
    from purposes.drafting import check_submit_proposal, check_withdraw_proposal

    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    check_withdraw_proposal(actor=members[0].user, proposal=proposal)
    body = client.get(url("proposal", proposal)).content.decode()
    assert body.count("timeline__stage--skipped") == 2  # discussion and voting
    assert "timeline__stage--done" in body  # it did seek seconds


def test_recall_form_says_when_there_is_no_moderator(client):
    community, members = community_with_members(2)
    client.force_login(members[0].user)
    body = client.get(url("proposal_new", community=community) + "?kind=recall").content.decode()
    assert "has no moderator to recall" in body


def test_a_suspended_proposer_is_offered_no_revise_or_rebase_and_the_edit_page_is_404(client):
    community, members = community_with_members(3)
    proposal = to_discussion(community, members)
    community.charter = Charter.objects.create(
        community=community, version=2, purpose="Newer", goals=[]
    )
    community.save()
    page_url = url("proposal", proposal)
    edit = url("proposal_edit", proposal)
    client.force_login(members[0].user)
    page = client.get(page_url).content.decode()
    assert "Revise the proposal" in page and "Rebase on version 2" in page
    type(members[0]).objects.filter(pk=members[0].pk).update(
        suspended_until=timezone.now() + timedelta(days=2)
    )
    page = client.get(page_url).content.decode()
    assert "Revise the proposal" not in page and "Rebase on version" not in page
    assert client.get(edit).status_code == 404
    response = client.post(url("proposal_step", proposal, step="rebase"), follow=True)
    assert "while suspended" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.base_charter.version == 1


def test_vote_reasons_come_a_page_at_a_time_and_only_with_a_reason_while_voting(
    client, django_assert_max_num_queries
):
    community, members, proposal = in_voting(60)
    now = proposal.voting_started_at
    Vote.objects.bulk_create(
        Vote(
            proposal=proposal,
            user=m.user,
            choice="for",
            cast_at=now + timedelta(seconds=i),
            reason=f"Reason number {i}." if i % 6 else "",
        )  # fmt: skip
        for i, m in enumerate(members)
    )
    client.force_login(members[0].user)
    with django_assert_max_num_queries(16):
        first = client.get(url("proposal", proposal)).content.decode()
    # 50 of the 60 gave a reason: the newest 50, no silent votes, no way they voted
    assert "Reasons given so far <span" in first and "(50)" in first
    assert "Reason number 59." in first and "Reason number 1." in first
    assert "Page 1 of 1" not in first and 'aria-label="Pages of votes"' not in first
    Vote.objects.create(
        proposal=proposal,
        user=UserFactory(),
        choice="against",
        reason="Late one.",
        cast_at=now + timedelta(hours=1),
    )
    first = client.get(url("proposal", proposal)).content.decode()
    assert "Page 1 of 2" in first and "Late one." in first and "Reason number 1." not in first
    second = client.get(url("proposal", proposal) + "?votes=2").content.decode()
    assert "Reason number 1." in second and "Late one." not in second
    assert "badge--vote-" not in first + second  # who voted which way stays hidden
