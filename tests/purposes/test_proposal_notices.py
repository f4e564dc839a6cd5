"""A newcomer's first hour with proposals: members hear of a proposal seeking seconds (by
their preference) and see it on the community home; its proposer is told at each stage;
after a purpose change members are asked, by a notification, to re-affirm."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import joining
from members.models import Membership
from notifications.actions import do_set_preferences
from notifications.models import Delivery, Notification
from purposes.drafting import check_revise_proposal, check_submit_proposal
from purposes.models import Proposal
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from purposes.voting import check_cast_vote
from tests.factories import community_with_members

from .test_proposals import draft, purpose_text, to_discussion
from .test_votes import in_voting

pytestmark = pytest.mark.django_db
State = Proposal.State
SEEKING_TEXT = "needs 2 seconds"


def seeking(community, members, **kwargs):
    proposal = draft(community, members[0].user, **kwargs)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    proposal.refresh_from_db()
    return proposal


def notices(user, text):
    return Notification.objects.filter(recipient=user, kind="proposal", text__contains=text)


# --- Seeking seconds: members are told, by their preference ------------------------------


def test_item_4_submitting_tells_every_other_member_it_seeks_seconds():
    community, members = community_with_members(5)
    Membership.objects.filter(pk=members[4].pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    do_set_preferences(user=members[1].user, choices={"proposal": Delivery.DAILY})
    proposal = seeking(community, members)
    told = Notification.objects.filter(kind="proposal", text__contains=SEEKING_TEXT)
    # Not the proposer, nor a suspended member, who cannot second.
    assert sorted(told.values_list("recipient", flat=True)) == sorted(
        m.user_id for m in members[1:4]
    )
    row = told.get(recipient=members[1].user)
    assert row.url == proposal.get_absolute_url() and "Grow food" in row.text
    assert row.delivery == Delivery.DAILY
    assert told.get(recipient=members[2].user).delivery == Delivery.IMMEDIATELY


def test_item_4_the_proposal_preference_says_it_covers_seconds():
    assert "seconds" in str(Notification.Kind.PROPOSAL.label)


def test_item_4_a_seconds_reset_tells_members_again_at_most_once_a_day():
    community, members = community_with_members(5)
    proposal = to_discussion(community, members)
    seconders = {m.user_id for m in members[1:3]}
    Notification.objects.all().delete()

    def rewrite(purpose):
        check_revise_proposal(
            actor=members[0].user, proposal=proposal, title=proposal.title,
            rationale=proposal.rationale, proposed=purpose_text(community, purpose),
        )  # fmt: skip

    rewrite("To grow vegetables together.")
    again = Notification.objects.filter(kind="proposal", text__contains="seeks seconds again")
    # The seconders have their own notice (their second was withdrawn): one each, not two.
    assert set(again.values_list("recipient", flat=True)) == {m.user_id for m in members[3:]}
    assert all(notices(members[i].user, "withdrawn").count() == 1 for i in (1, 2))
    assert not again.filter(recipient_id__in=seconders).exists()
    # Seconded and reset again the same day: nobody is told a second time.
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    rewrite("To grow fruit together.")
    assert again.count() == 2
    # A day later a reset is news again.
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    Proposal.objects.filter(pk=proposal.pk).update(
        reseek_notified_at=timezone.now() - timedelta(days=1, minutes=1)
    )
    rewrite("To grow herbs together.")
    assert again.count() == 4


# --- The proposer is told at each stage --------------------------------------------------


def test_item_4_the_proposer_is_told_when_their_proposal_enters_discussion():
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    told = notices(members[0].user, "is now in discussion")
    assert told.count() == 1 and told.get().url == proposal.get_absolute_url()
    assert not Notification.objects.filter(text__contains="is now in discussion").exclude(
        recipient=members[0].user
    )


def test_item_4_a_proposer_who_opens_discussion_themself_is_not_told_it():
    community, members = community_with_members(3, charter__seconds_required=0)
    proposal = seeking(community, members)
    assert proposal.state == State.DISCUSSION
    assert not notices(members[0].user, "is now in discussion").exists()
    # Nothing to second either: nobody is asked to.
    assert not Notification.objects.filter(text__contains="seconds").exists()


def test_item_4_the_proposer_gets_one_notice_of_their_own_when_voting_opens():
    community, members, proposal = in_voting(4)
    mine = Notification.objects.filter(recipient=members[0].user, text__contains="Voting has")
    assert mine.count() == 1
    assert "your proposal" in mine.get().text
    electorate = Notification.objects.filter(text__startswith="Voting has opened on “")
    assert sorted(electorate.values_list("recipient", flat=True)) == sorted(
        m.user_id for m in members[1:]
    )


def test_item_4_a_proposer_outside_the_electorate_is_still_told_voting_opened():
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    joining.check_leave(actor=members[0].user, community=community)
    do_sweep(now=proposal.discussion_ends_at)
    assert notices(members[0].user, "Voting has opened on your proposal").count() == 1


# --- The community home lists proposals seeking seconds ---------------------------------


def test_item_4_the_community_home_lists_a_proposal_seeking_seconds(client):
    community, members = community_with_members(4)
    proposal = seeking(community, members)
    check_second_proposal(actor=members[1].user, proposal=proposal)
    client.force_login(members[2].user)
    body = client.get(reverse("community:home", args=[community.slug])).content.decode()
    assert "Being decided now" in body and "Grow food" in body
    assert "needs 1 more second" in body and "needs 1 more seconds" not in body
    assert "1 proposal" in body


def test_item_4_the_community_home_counts_only_live_seconds(client):
    community, members = community_with_members(5, charter__seconds_required=3)
    seeking(community, members)
    proposal = Proposal.objects.get()
    check_second_proposal(actor=members[1].user, proposal=proposal)
    joining.check_leave(actor=members[1].user, community=community)
    client.force_login(members[2].user)
    body = client.get(reverse("community:home", args=[community.slug])).content.decode()
    assert "needs 3 more seconds" in body


# --- After a purpose change, members are asked to re-affirm ------------------------------


def test_item_4_a_purpose_change_asks_members_to_reaffirm_by_notification(client):
    community, members, proposal = in_voting(4)
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    do_sweep(now=proposal.voting_ends_at + timedelta(minutes=1))
    asked = Notification.objects.filter(text__contains="re-affirm")
    assert sorted(asked.values_list("recipient", flat=True)) == sorted(m.user_id for m in members)
    charter_page = reverse("purposes:charter", args=[community.slug])
    assert set(asked.values_list("url", flat=True)) == {charter_page}
    assert set(asked.values_list("kind", flat=True)) == {"community"}
    # The page it links to asks them there and then.
    client.force_login(members[1].user)
    assert "Re-affirm the purpose" in client.get(charter_page).content.decode()


def test_item_4_a_rules_change_asks_nobody_to_reaffirm():
    community, members = community_with_members(4)
    text = community.charter.text()
    text.rules["voting_days"] = 5
    proposal = draft(community, members[0].user, kind=Proposal.Kind.CHANGE_RULES, proposed=text)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal)
    proposal.refresh_from_db()
    do_sweep(now=proposal.discussion_ends_at)
    proposal.refresh_from_db()
    for m in members:
        check_cast_vote(actor=m.user, proposal=proposal, choice="for")
    do_sweep(now=proposal.voting_ends_at)
    assert Proposal.objects.get(pk=proposal.pk).state == State.PASSED
    assert not Notification.objects.filter(text__contains="re-affirm").exists()


@pytest.mark.parametrize("size", [5, 60])
def test_item_4_telling_members_it_seeks_seconds_costs_the_same_whatever_their_number(
    size, django_assert_max_num_queries
):
    community, members = community_with_members(size)
    proposal = draft(community, members[0].user)
    with django_assert_max_num_queries(12):  # one INSERT … SELECT, whatever the size
        check_submit_proposal(actor=members[0].user, proposal=proposal)
    assert Notification.objects.filter(text__contains=SEEKING_TEXT).count() == size - 1
