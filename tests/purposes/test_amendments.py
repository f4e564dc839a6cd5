"""Amendments (#18 part 4) and several-option proposals made of them (part 5): a member
amends a charter proposal in discussion, the proposer accepts (the text changes, seconds
kept, seconders told) or declines with a reason; where the charter allows it, a declined
amendment goes to the vote as an alternative text, decided by ranked choice, and the
winning text is what the close applies."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from purposes.amendments import (
    check_accept_amendment,
    check_carry_amendment,
    check_decline_amendment,
    check_propose_amendment,
)
from purposes.charter_diff import CharterText
from purposes.drafting import check_create_proposal, check_revise_proposal, check_submit_proposal
from purposes.guards import ProposalError
from purposes.models import Amendment, Proposal, ProposalOption, Second
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_ballot
from tests.factories import community_with_members

pytestmark = pytest.mark.django_db
State = Proposal.State
NEW_PURPOSE = "To grow food together."
AMENDED = "To grow food together and share the harvest."


def in_discussion(count=5, **charter):
    """A change of purpose by members[0], seconded by members[1] and [2], in discussion."""
    community, members = community_with_members(
        count, **{f"charter__{k}": v for k, v in charter.items()}
    )
    users = [m.user for m in members]
    text = community.charter.text()
    proposal = check_create_proposal(
        actor=users[0],
        community=community,
        kind=Proposal.Kind.AMEND_PURPOSE,
        title="Grow food",
        rationale="We mostly garden now.",
        proposed=CharterText(purpose=NEW_PURPOSE, goals=text.goals, rules=text.rules),
    )
    check_submit_proposal(actor=users[0], proposal=proposal)
    for user in users[1:3]:
        check_second_proposal(actor=user, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION
    return community, users, proposal


def amended(proposal, purpose=AMENDED, goals=None):
    text = proposal.proposed_text()
    return CharterText(
        purpose=purpose, goals=text.goals if goals is None else goals, rules=text.rules
    )


def propose(proposal, actor, **kwargs):
    return check_propose_amendment(
        actor=actor, proposal=proposal, proposed=amended(proposal, **kwargs), reason="Share it."
    )


# --- proposing -------------------------------------------------------------------------


def test_check_propose_amendment_records_the_text_and_tells_the_proposer():
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    assert amendment.state == Amendment.State.PENDING
    assert amendment.purpose == AMENDED
    assert amendment.against["purpose"] == NEW_PURPOSE
    notice = Notification.objects.filter(recipient=users[0]).latest("id")
    assert "proposes an amendment" in notice.text
    assert notice.url.endswith(f"#amendment-{amendment.pk}")


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("proposer", "revise it instead"),
        ("outsider", "Only members may amend"),
        ("suspended", "while suspended"),
    ],
)
def test_check_propose_amendment_refuses_who_may_not_amend(who, message):
    from datetime import timedelta

    from django.utils import timezone

    from members.models import Membership
    from tests.factories import UserFactory

    community, users, proposal = in_discussion()
    actor = {"proposer": users[0], "outsider": UserFactory(), "suspended": users[4]}[who]
    if who == "suspended":
        Membership.objects.filter(user=actor, community=community).update(
            suspended_until=timezone.now() + timedelta(days=1)
        )
    with pytest.raises(ProposalError, match=message):
        propose(proposal, actor)
    assert not Amendment.objects.exists()


def test_check_propose_amendment_refuses_a_proposal_in_voting_and_an_unchanged_text():
    _community, users, proposal = in_discussion()
    with pytest.raises(ProposalError, match="same as the proposal's text"):
        propose(proposal, users[3], purpose=NEW_PURPOSE)
    with pytest.raises(ProposalError, match="would change nothing"):
        propose(proposal, users[3], purpose=proposal.base_charter.purpose)
    with pytest.raises(ProposalError, match="Say why"):
        check_propose_amendment(
            actor=users[3], proposal=proposal, proposed=amended(proposal), reason="  "
        )
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    with pytest.raises(ProposalError, match="Voting has opened"):
        propose(proposal, users[3])
    assert not Amendment.objects.exists()


def test_check_propose_amendment_caps_the_waiting_amendments_of_one_member():
    _community, users, proposal = in_discussion()
    for n in range(3):
        propose(proposal, users[3], purpose=f"{AMENDED} {n}")
    with pytest.raises(ProposalError, match="3 amendments waiting"):
        propose(proposal, users[3], purpose=f"{AMENDED} 4")


# --- accepting and declining -----------------------------------------------------------


def test_check_accept_amendment_changes_the_text_keeps_the_seconds_and_tells_seconders():
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    Notification.objects.all().delete()
    check_accept_amendment(actor=users[0], amendment=amendment)
    proposal.refresh_from_db()
    amendment.refresh_from_db()
    assert proposal.purpose == AMENDED
    assert proposal.state == State.DISCUSSION
    assert Second.objects.filter(proposal=proposal, withdrawn_at__isnull=True).count() == 2
    assert amendment.state == Amendment.State.ACCEPTED
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {users[1].pk, users[2].pk, users[3].pk}
    assert proposal.revisions.last().note == f"Accepted the amendment of {users[3].shown_name}"


def test_an_amendment_accepted_at_the_last_minute_leaves_a_day_to_read_it_before_voting():
    from datetime import timedelta

    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    late = proposal.discussion_ends_at - timedelta(hours=1)
    check_accept_amendment(actor=users[0], amendment=amendment, now=late)
    proposal.refresh_from_db()
    assert proposal.discussion_ends_at == late + timedelta(days=1)
    do_sweep(now=late + timedelta(hours=2))
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION


def test_check_accept_amendment_refuses_others_and_an_outdated_amendment():
    _community, users, proposal = in_discussion()
    first = propose(proposal, users[3])
    second = propose(proposal, users[4], purpose="To grow flowers.")
    with pytest.raises(ProposalError, match="Only the proposer"):
        check_accept_amendment(actor=users[3], amendment=first)
    check_accept_amendment(actor=users[0], amendment=first)
    with pytest.raises(ProposalError, match="already been accepted"):
        check_accept_amendment(actor=users[0], amendment=first)
    with pytest.raises(ProposalError, match="text has changed since"):
        check_accept_amendment(actor=users[0], amendment=second)
    proposal.refresh_from_db()
    assert proposal.purpose == AMENDED


def test_check_decline_amendment_needs_a_reason_and_tells_the_author():
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    with pytest.raises(ProposalError, match="Say why you decline"):
        check_decline_amendment(actor=users[0], amendment=amendment, reason=" ")
    check_decline_amendment(actor=users[0], amendment=amendment, reason="Too long.")
    amendment.refresh_from_db()
    proposal.refresh_from_db()
    assert (amendment.state, amendment.decline_reason) == (Amendment.State.DECLINED, "Too long.")
    assert proposal.purpose == NEW_PURPOSE
    notice = Notification.objects.filter(recipient=users[3]).latest("id")
    assert "declined your amendment" in notice.text and "Too long." in notice.text
    assert "put it to the vote" not in notice.text  # the charter does not allow it


# --- a declined amendment put to the vote ----------------------------------------------


def test_check_carry_amendment_is_refused_unless_the_charter_allows_it():
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    check_decline_amendment(actor=users[0], amendment=amendment, reason="No.")
    with pytest.raises(ProposalError, match="does not put declined amendments to the vote"):
        check_carry_amendment(actor=users[3], amendment=amendment)
    assert not ProposalOption.objects.exists()


def test_a_carried_amendment_is_ranked_against_the_proposal_and_its_text_applied_if_it_wins():
    community, users, proposal = in_discussion(count=6, amendments_to_vote=True)
    new_goals = ["Share the harvest"]
    amendment = propose(proposal, users[3], goals=new_goals)
    with pytest.raises(ProposalError, match="Only a declined amendment"):
        check_carry_amendment(actor=users[3], amendment=amendment)
    check_decline_amendment(actor=users[0], amendment=amendment, reason="Keep it short.")
    with pytest.raises(ProposalError, match="amendment's author"):
        check_carry_amendment(actor=users[0], amendment=amendment)
    option = check_carry_amendment(actor=users[3], amendment=amendment)
    assert (option.option_id, option.goals) == ("alt-1", new_goals)
    with pytest.raises(ProposalError, match="already an option"):
        check_carry_amendment(actor=users[3], amendment=amendment)
    # The charter decides purpose by two thirds: with an alternative, by ranked choice.
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    assert proposal.method == "ranked"
    for user in users[:2]:
        check_cast_ballot(actor=user, proposal=proposal, ballot=["proposal", "alt-1"])
    for user in users[2:]:
        check_cast_ballot(actor=user, proposal=proposal, ballot=["alt-1", "keep"])
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == State.PASSED
    assert proposal.result["winner"] == "alt-1"
    assert (community.charter.purpose, community.charter.goals) == (AMENDED, new_goals)


def test_keep_the_current_text_winning_changes_nothing():
    community, users, proposal = in_discussion(count=5, amendments_to_vote=True)
    amendment = propose(proposal, users[3])
    check_decline_amendment(actor=users[0], amendment=amendment, reason="No.")
    check_carry_amendment(actor=users[3], amendment=amendment)
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    for user in users:
        check_cast_ballot(actor=user, proposal=proposal, ballot=["keep"])
    do_sweep(now=proposal.voting_ends_at)
    proposal.refresh_from_db()
    community.refresh_from_db()
    assert proposal.state == State.FAILED
    assert community.charter.version == 1


def test_a_revision_leaves_waiting_amendments_outdated():
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    check_revise_proposal(
        actor=users[0],
        proposal=proposal,
        title=proposal.title,
        rationale=proposal.rationale,
        proposed=amended(proposal, purpose="To grow vegetables."),
    )
    proposal.refresh_from_db()
    assert proposal.state == State.SEEKING  # a change of what it does: seconds withdrawn
    with pytest.raises(ProposalError, match="only while it is in discussion"):
        check_accept_amendment(actor=users[0], amendment=amendment)


# --- pages -----------------------------------------------------------------------------


def test_amend_page_keeps_the_typed_text_when_refused_and_shows_the_diff_once_proposed(client):
    _community, users, proposal = in_discussion()
    url = reverse("purposes:amend", args=[proposal.community.slug, proposal.pk])
    client.force_login(users[3])
    page = client.get(url)
    assert page.status_code == 200 and NEW_PURPOSE in page.content.decode()
    refused = client.post(url, {"purpose": "A typed purpose, kept.", "goals": "", "rationale": ""})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "A typed purpose, kept." in html and "This field is required" in html
    done = client.post(url, {"purpose": AMENDED, "goals": "", "rationale": "Share it."})
    assert done.status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Share it." in page and "<ins>" in page and "waiting for the proposer" in page
    assert "Accept the amendment" not in page  # only the proposer decides


def test_amend_page_is_404_to_the_proposer_and_non_members(client):
    from tests.factories import UserFactory

    _community, users, proposal = in_discussion()
    url = reverse("purposes:amend", args=[proposal.community.slug, proposal.pk])
    for user in (users[0], UserFactory()):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_proposer_declines_on_the_page_and_a_missing_reason_comes_back_with_an_error(client):
    _community, users, proposal = in_discussion()
    amendment = propose(proposal, users[3])
    client.force_login(users[0])
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Accept the amendment" in page and "Decline it" in page
    decline = reverse(
        "purposes:amendment_decline", args=[proposal.community.slug, proposal.pk, amendment.pk]
    )
    refused = client.post(decline, {"reason": ""})
    assert refused.status_code == 400 and "This field is required" in refused.content.decode()
    assert client.post(decline, {"reason": "Too long."}).status_code == 302
    amendment.refresh_from_db()
    assert amendment.state == Amendment.State.DECLINED
    accept = reverse(
        "purposes:amendment_accept", args=[proposal.community.slug, proposal.pk, amendment.pk]
    )
    after = client.post(accept, follow=True).content.decode()
    assert "already been declined" in after


def test_proposal_page_in_voting_offers_the_carried_amendment_on_a_ranked_ballot(client):
    community, users, proposal = in_discussion(count=5, amendments_to_vote=True)
    amendment = propose(proposal, users[3], goals=["Share the harvest"])
    check_decline_amendment(actor=users[0], amendment=amendment, reason="No.")
    client.force_login(users[3])
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Put my amendment to the vote" in page
    carry = reverse("purposes:amendment_carry", args=[community.slug, proposal.pk, amendment.pk])
    assert client.post(carry).status_code == 302
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert "Decided by ranked choice" in page  # before voting opens, already said
    do_sweep(now=proposal.discussion_ends_at)
    page = client.get(proposal.get_absolute_url()).content.decode()
    label = f"Alternative 1: the amendment of {users[3].shown_name}"
    assert label in page and "Share the harvest" in page
    assert "Rank the options, your first choice first" in page
    assert "Keep the current text" in page
