"""Governance capture through drafting, seconds, founding and offshoots: a suspended or
departed member, a bait-and-switch after seconds, a founding charter changed under a
founder's click, and a flood of offshoots all change nothing they should not."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from community.models import Community
from members import applications, invitations, joining
from members.models import Application, Membership
from notifications.models import Notification
from purposes import founding
from purposes.drafting import (
    check_accept_nomination,
    check_rebase_proposal,
    check_redraft_proposal,
    check_revise_proposal,
    check_submit_proposal,
)
from purposes.guards import PROPOSALS_PER_DAY, ProposalError
from purposes.models import Charter, OffshootDigest, Proposal, ProposalRevision, Second
from purposes.offshoots import check_start_offshoot, do_send_offshoot_digests
from purposes.seconds import check_second_proposal
from purposes.sweep import do_sweep
from tests.factories import UserFactory, community_with_members

from .test_proposals import draft, purpose_text, to_discussion

pytestmark = pytest.mark.django_db
State = Proposal.State
SUSPENDED_NOTICE = (
    "you cannot propose, second or vote until then; you can still read, withdraw your own "
    "proposals and appeal."
)


def suspend(membership, days=2):
    Membership.objects.filter(pk=membership.pk).update(
        suspended_until=timezone.now() + timedelta(days=days)
    )


def fresh(user):
    """The user as a new request sees them (no cached membership)."""
    return type(user).objects.get(pk=user.pk)


def conflicting(community, members):
    proposal = draft(community, members[0].user)
    Proposal.objects.filter(pk=proposal.pk).update(state=State.CONFLICT)
    return Proposal.objects.get(pk=proposal.pk)


def proposal_url(proposal, name="proposal", **kwargs):
    return reverse(
        f"purposes:{name}",
        kwargs={"slug": proposal.community.slug, "proposal_id": proposal.pk} | kwargs,
    )


# --- Finding 6: suspended members take no part; redraft obeys the daily limit -------------


def test_finding_6_a_suspended_proposer_cannot_submit_a_draft():
    community, members = community_with_members(3)
    proposal = draft(community, members[0].user)
    suspend(members[0])
    with pytest.raises(ProposalError, match="while suspended"):
        check_submit_proposal(actor=fresh(members[0].user), proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).state == State.DRAFT


def test_finding_6_redraft_counts_against_the_daily_proposal_limit():
    community, members = community_with_members(3)
    proposal = conflicting(community, members)  # the first draft of the day
    made = 0
    for _ in range(12):
        try:
            check_redraft_proposal(actor=members[0].user, proposal=proposal)
            made += 1
        except ProposalError as error:
            assert "wait until tomorrow" in error.message
    assert made == PROPOSALS_PER_DAY - 1
    assert Proposal.objects.filter(author=members[0].user).count() == PROPOSALS_PER_DAY


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"suspended_until": timezone.now() + timedelta(days=2)}, "while suspended"),
        ({"left_at": timezone.now()}, "Only members"),
    ],
)
def test_finding_6_a_suspended_or_departed_proposer_cannot_redraft(change, message):
    community, members = community_with_members(3)
    proposal = conflicting(community, members)
    Membership.objects.filter(pk=members[0].pk).update(**change)
    with pytest.raises(ProposalError, match=message):
        check_redraft_proposal(actor=fresh(members[0].user), proposal=proposal)
    assert Proposal.objects.count() == 1


def test_finding_6_the_proposal_page_tells_a_suspended_member_what_they_may_do(client):
    community, members = community_with_members(4)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    suspend(members[1])
    client.force_login(members[1].user)
    body = client.get(proposal_url(proposal)).content.decode()
    assert "You are suspended until" in body and SUSPENDED_NOTICE in body
    assert "Second this proposal" not in body
    # The suspended proposer of a draft sees the same instead of the submit button.
    mine = draft(community, members[2].user, title="Another")
    suspend(members[2])
    client.force_login(members[2].user)
    body = client.get(proposal_url(mine)).content.decode()
    assert SUSPENDED_NOTICE in body and "Submit for seconds" not in body
    assert "Withdraw the proposal" in body
    listing = client.get(reverse("purposes:proposals", kwargs={"slug": community.slug}))
    assert SUSPENDED_NOTICE in listing.content.decode()


# --- Finding 7: a substantive change after seconds withdraws them ------------------------


def rules_text(community, **rules):
    text = community.charter.text()
    text.rules.update(rules)
    return text


def test_finding_7_a_substantive_revision_withdraws_the_seconds_and_stops_the_clock():
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    seconders = {m.user_id for m in members[1:3]}
    check_revise_proposal(
        actor=members[0].user, proposal=proposal, title=proposal.title,
        rationale=proposal.rationale,
        proposed=purpose_text(community, "To grow food, and only members may join."),
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == State.SEEKING
    assert proposal.discussion_started_at is None and proposal.discussion_ends_at is None
    # Withdrawn, and kept on record.
    seconds = Second.objects.filter(proposal=proposal)
    assert {s.user_id for s in seconds} == seconders and all(s.withdrawn_at for s in seconds)
    last = proposal.revisions.order_by("-number").first()
    assert last.seconds_reset and last.purpose == "To grow food, and only members may join."
    told = Notification.objects.filter(text__contains="withdrawn", url=proposal.get_absolute_url())
    assert set(told.values_list("recipient_id", flat=True)) == seconders


def test_finding_7_a_typo_level_revision_keeps_the_seconds():
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    ends = proposal.discussion_ends_at
    check_revise_proposal(
        actor=members[0].user, proposal=proposal, title="Grow food (typo fixed)",
        rationale="We mostly garden now, fixed a typo.", proposed=purpose_text(community),
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION and proposal.discussion_ends_at == ends
    assert proposal.seconds.count() == 2
    assert not proposal.revisions.filter(seconds_reset=True).exists()


def test_finding_7_seconds_again_restart_discussion_with_a_full_period():
    community, members = community_with_members(4)
    proposal = draft(community, members[0].user, kind=Proposal.Kind.CHANGE_RULES,
                     proposed=rules_text(community, voting_days=5))  # fmt: skip
    start = timezone.now() - timedelta(days=2)
    check_submit_proposal(actor=members[0].user, proposal=proposal, now=start)
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal, now=start)
    # The bait and switch: same title, other rules.
    check_revise_proposal(
        actor=members[0].user, proposal=proposal, title=proposal.title,
        rationale=proposal.rationale,
        proposed=rules_text(community, join_policy="invitation", quorum_percent=1,
                            seconds_required=20, moderator_term_days=730),
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == State.SEEKING
    assert do_sweep(now=start + timedelta(days=4))["opened"] == 0
    now = timezone.now()
    for m in members[1:3]:
        check_second_proposal(actor=m.user, proposal=proposal, now=now)
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION
    assert proposal.discussion_started_at == now
    assert proposal.discussion_ends_at == now + timedelta(days=3)


def test_finding_7_the_proposal_page_shows_the_reset_and_the_decision_rule(client):
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    check_revise_proposal(
        actor=members[0].user, proposal=proposal, title=proposal.title,
        rationale=proposal.rationale, proposed=purpose_text(community, "Something else."),
    )  # fmt: skip
    client.force_login(members[1].user)
    body = client.get(proposal_url(proposal)).content.decode()
    assert "Seconds were reset" in body
    assert "changed what the proposal does after it was seconded" in body
    assert "Second this proposal" in body
    assert "The rule of the charter in force when voting opens decides it" in body


def test_finding_7_the_revise_form_warns_that_seconds_will_be_withdrawn(client):
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    client.force_login(members[0].user)
    body = client.get(proposal_url(proposal, "proposal_edit")).content.decode()
    assert "withdraws the 2 seconds" in body


def test_finding_7_a_rebase_that_keeps_the_change_keeps_the_seconds():
    community, members = community_with_members(4)
    proposal = to_discussion(community, members)
    v2 = Charter.objects.create(community=community, version=2, purpose=community.charter.purpose,
                                goals=["One"], voting_days=9)  # fmt: skip
    Community.objects.filter(pk=community.pk).update(charter=v2)
    check_rebase_proposal(actor=members[0].user, proposal=Proposal.objects.get(pk=proposal.pk))
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION and proposal.seconds.count() == 2


# --- Finding 8: an endorsement names the founding charter's revision it endorses --------

CHARTER = {"purpose": "To grow food together.", "goals": ["Share seeds", "Teach growing"]}


def forming(settings):
    settings.FOUNDING_QUORUM = 3
    author = UserFactory()
    community = founding.check_found_community(
        actor=author, name="Growers", slug="growers", tagline="", visibility="public",
        charter=CHARTER,
    )  # fmt: skip
    return community, author


def test_finding_8_an_endorsement_of_an_outdated_revision_is_refused(settings):
    community, author = forming(settings)
    founder = UserFactory()
    joining.check_join(actor=founder, community=community, affirmed=True)
    seen = community.charter.revision
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"join_policy": "invitation"}
    )
    with pytest.raises(Exception, match="changed since you opened the page"):
        founding.check_endorse_founding_charter(actor=founder, community=community, revision=seen)
    membership = Membership.objects.get(user=founder, community=community)
    assert membership.affirmed_charter_id is None
    told = Notification.objects.filter(recipient=founder, text__contains="edited the founding")
    assert told.count() == 1
    founding.check_endorse_founding_charter(
        actor=founder,
        community=community,
        revision=Charter.objects.get(community=community).revision,
    )
    assert Membership.objects.get(user=founder, community=community).affirmed_charter_id


def test_finding_8_the_endorse_form_posts_the_revision_it_showed(client, settings):
    community, author = forming(settings)
    founder = UserFactory()
    joining.check_join(actor=founder, community=community, affirmed=True)
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Something else."}
    )
    client.force_login(founder)
    endorse = reverse("purposes:founding_endorse", args=[community.slug])
    page = client.get(endorse).content.decode()
    assert 'name="revision" value="2"' in page
    response = client.post(endorse, {"revision": "1"}, follow=True)
    assert "The founding charter changed since you opened the page; read it again" in (
        response.content.decode()
    )
    assert Membership.objects.get(user=founder, community=community).affirmed_charter_id is None
    client.post(endorse, {"revision": "2"})
    assert Membership.objects.get(user=founder, community=community).affirmed_charter_id


def test_finding_8_the_charter_page_affirm_button_checks_the_revision(client, settings):
    community, author = forming(settings)
    founder = UserFactory()
    joining.check_join(actor=founder, community=community, affirmed=True)
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Something else."}
    )
    client.force_login(founder)
    client.post(reverse("purposes:affirm", args=[community.slug]), {"revision": "1"})
    client.post(reverse("purposes:affirm", args=[community.slug]))
    assert Membership.objects.get(user=founder, community=community).affirmed_charter_id is None


def test_finding_8_joining_as_a_founder_names_the_revision_it_read(client, settings):
    community, author = forming(settings)
    join = reverse("members:join", args=[community.slug])
    founder = UserFactory()
    client.force_login(founder)
    assert 'name="revision" value="1"' in client.get(join).content.decode()
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Something else."}
    )
    response = client.post(join, {"affirm": "on", "revision": "1"})
    assert "changed since you opened the page" in response.content.decode()
    assert not Membership.objects.filter(user=founder, community=community).exists()
    client.post(join, {"affirm": "on", "revision": "2"})
    assert Membership.objects.get(user=founder, community=community).affirmed_charter_id


def applied_while_forming(settings, client=None):
    """A forming community that admits by application, and an applicant's application
    (through the join page when a client is given, which posts the revision it showed)."""
    settings.FOUNDING_QUORUM = 3
    author = UserFactory()
    community = founding.check_found_community(
        actor=author, name="Growers", slug="growers", tagline="", visibility="public",
        charter=CHARTER | {"join_policy": "application"},
    )  # fmt: skip
    applicant = UserFactory()
    if client is None:
        applications.check_apply(
            actor=applicant, community=community, motivation="I grow beans.", affirmed=True
        )
    else:
        client.force_login(applicant)
        join = reverse("members:join", args=[community.slug])
        assert 'name="revision" value="1"' in client.get(join).content.decode()
        client.post(join, {"motivation": "I grow beans.", "affirm": "on", "revision": "1"})
    application = Application.objects.get(user=applicant)
    return community, author, applicant, application


def test_finding_8_an_application_admitted_after_a_charter_edit_does_not_endorse_it(settings):
    community, author, applicant, application = applied_while_forming(settings)
    assert application.charter_revision == 1
    founding.check_edit_founding_charter(
        actor=author,
        community=community,
        charter=CHARTER | {"join_policy": "application", "purpose": "Something else."},
    )
    applications.check_decide_application(actor=author, application=application, admit=True)
    membership = Membership.objects.get(user=applicant, community=community)
    # A member, asked to endorse the text they have not read (the founding banner/button).
    assert membership.affirmed_charter_id is None


def test_finding_8_an_application_admitted_on_the_revision_it_read_endorses_it(settings):
    community, author, applicant, application = applied_while_forming(settings)
    applications.check_decide_application(actor=author, application=application, admit=True)
    membership = Membership.objects.get(user=applicant, community=community)
    assert membership.affirmed_charter_id == community.charter_id


def test_finding_8_the_application_form_stores_the_revision_its_page_showed(client, settings):
    community, author, applicant, application = applied_while_forming(settings, client)
    assert application.charter_revision == 1
    founding.check_edit_founding_charter(
        actor=author,
        community=community,
        charter=CHARTER | {"join_policy": "application", "purpose": "Something else."},
    )
    applications.check_decide_application(actor=author, application=application, admit=True)
    assert Membership.objects.get(user=applicant, community=community).affirmed_charter_id is None


def test_finding_8_an_application_posting_an_outdated_revision_does_not_endorse(client, settings):
    settings.FOUNDING_QUORUM = 3
    author = UserFactory()
    community = founding.check_found_community(
        actor=author, name="Growers", slug="growers", tagline="", visibility="public",
        charter=CHARTER | {"join_policy": "application"},
    )  # fmt: skip
    founding.check_edit_founding_charter(
        actor=author,
        community=community,
        charter=CHARTER | {"join_policy": "application", "purpose": "Something else."},
    )
    applicant = UserFactory()
    client.force_login(applicant)
    # Their page showed revision 1; the edit to revision 2 came before they sent it.
    client.post(
        reverse("members:join", args=[community.slug]),
        {"motivation": "I grow beans.", "affirm": "on", "revision": "1"},
    )
    application = Application.objects.get(user=applicant)
    assert application.charter_revision == 1
    applications.check_decide_application(actor=author, application=application, admit=True)
    assert Membership.objects.get(user=applicant, community=community).affirmed_charter_id is None


# --- Finding 9: offshoots count against the daily limit and are told once a day ----------


def offshoot(actor, parent, n):
    return check_start_offshoot(
        actor=actor, parent=parent, name=f"Offshoot {n}", slug=f"offshoot-{n}", tagline="",
        visibility="public", charter=CHARTER,
    )  # fmt: skip


def test_finding_9_offshoots_count_against_the_daily_proposal_limit():
    community, members = community_with_members(3)
    draft(community, members[0].user)  # one proposal drafted today
    made = 0
    for n in range(15):
        try:
            offshoot(members[0].user, community, n)
            made += 1
        except ProposalError as error:
            assert "wait until tomorrow" in error.message
    assert made == PROPOSALS_PER_DAY - 1
    assert Community.objects.filter(parent=community).count() == PROPOSALS_PER_DAY - 1
    with pytest.raises(ProposalError, match="wait until tomorrow"):
        draft(community, members[0].user, title="One more")


def test_finding_9_offshoots_are_told_in_one_daily_digest_per_parent():
    community, members = community_with_members(4)
    for n, m in enumerate(members[:3]):
        offshoot(m.user, community, n)
    assert not Notification.objects.filter(text__contains="grown out of").exists()
    tomorrow = timezone.now() + timedelta(days=1)
    assert do_send_offshoot_digests(now=tomorrow) == 1
    assert do_send_offshoot_digests(now=tomorrow) == 0  # idempotent
    told = Notification.objects.filter(text__contains="New communities grown out of")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(m.user_id for m in members)
    assert "Offshoot 0, Offshoot 1, Offshoot 2" in told.first().text
    assert OffshootDigest.objects.filter(parent=community).count() == 1


def test_finding_9_the_digest_is_on_the_beat_schedule():
    tasks = {job["task"] for job in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "purposes.tasks.send_offshoot_digests" in tasks


# --- The same kind of hole elsewhere -----------------------------------------------------


def test_a_nominee_cannot_second_their_own_election():
    community, members = community_with_members(4)
    proposal = draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR,
                     target=members[1], proposed=None)  # fmt: skip
    check_accept_nomination(actor=members[1].user, proposal=proposal)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    with pytest.raises(ProposalError, match="your own nomination"):
        check_second_proposal(actor=members[1].user, proposal=proposal)
    assert not Second.objects.exists()


def test_a_departed_nominee_cannot_accept_and_their_election_cannot_be_submitted():
    community, members = community_with_members(4)
    proposal = draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR,
                     target=members[1], proposed=None)  # fmt: skip
    check_accept_nomination(actor=members[1].user, proposal=proposal)
    joining.check_leave(actor=members[1].user, community=community)
    joining.check_join(actor=members[1].user, community=community, affirmed=True)
    with pytest.raises(ProposalError, match="no longer a member"):
        check_submit_proposal(actor=members[0].user, proposal=Proposal.objects.get(pk=proposal.pk))
    other = draft(community, members[0].user, kind=Proposal.Kind.ELECT_MODERATOR,
                  target=members[2], proposed=None, title="Elect")  # fmt: skip
    Membership.objects.filter(pk=members[2].pk).update(left_at=timezone.now())
    with pytest.raises(ProposalError):
        check_accept_nomination(actor=fresh(members[2].user), proposal=other)
    assert Proposal.objects.get(pk=other.pk).nominee_accepted_at is None


def test_seconds_of_members_who_left_do_not_count_towards_discussion():
    community, members = community_with_members(4)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    check_second_proposal(actor=members[1].user, proposal=proposal)
    joining.check_leave(actor=members[1].user, community=community)
    check_second_proposal(actor=members[2].user, proposal=proposal)
    assert Proposal.objects.get(pk=proposal.pk).state == State.SEEKING
    # Rejoining does not allow a second second.
    joining.check_join(actor=fresh(members[1].user), community=community, affirmed=True)
    with pytest.raises(ProposalError, match="already seconded"):
        check_second_proposal(actor=fresh(members[1].user), proposal=proposal)
    assert ProposalRevision.objects.filter(proposal=proposal).count() == 1


def test_finding_8_accepting_an_invitation_to_a_forming_community_names_the_revision(
    client, settings
):
    community, author = forming(settings)
    invitee = UserFactory()
    invitation = invitations.check_invite(
        actor=author, community=community, username=invitee.username
    )
    page = reverse("members:invitation", args=[invitation.pk])
    client.force_login(invitee)
    assert 'name="revision" value="1"' in client.get(page).content.decode()
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Something else."}
    )
    response = client.post(page, {"affirm": "on", "revision": "1"})
    assert "changed since you opened the page" in response.content.decode()
    assert not Membership.objects.filter(user=invitee, community=community).exists()
    client.post(page, {"affirm": "on", "revision": "2"})
    assert Membership.objects.get(user=invitee, community=community).affirmed_charter_id


def test_finding_7_without_seconds_required_a_substantive_revision_restarts_discussion():
    community, members = community_with_members(3, charter__seconds_required=0)
    proposal = draft(community, members[0].user)
    start = timezone.now() - timedelta(days=2)
    check_submit_proposal(actor=members[0].user, proposal=proposal, now=start)
    now = timezone.now()
    check_revise_proposal(
        actor=members[0].user, proposal=Proposal.objects.get(pk=proposal.pk), title="Grow food",
        rationale="Same.", proposed=purpose_text(community, "Another aim."), now=now,
    )  # fmt: skip
    proposal.refresh_from_db()
    assert proposal.state == State.DISCUSSION
    assert proposal.discussion_ends_at == now + timedelta(days=3)


def test_finding_9_the_digest_waits_for_the_day_to_end_and_catches_up_missed_days():
    community, members = community_with_members(2)
    child = offshoot(members[0].user, community, 1)
    assert do_send_offshoot_digests() == 0  # today is not over
    Community.objects.filter(pk=child.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert do_send_offshoot_digests() == 1
    assert Notification.objects.filter(text__contains="Offshoot 1").count() == 2


def test_finding_8_an_edit_tells_every_other_founder_even_one_who_had_not_endorsed(settings):
    community, author = forming(settings)
    founder = UserFactory()
    joining.check_join(actor=founder, community=community, affirmed=True)
    Membership.objects.filter(user=founder).update(affirmed_charter=None)  # not yet endorsed
    founding.check_edit_founding_charter(
        actor=author, community=community, charter=CHARTER | {"purpose": "Something else."}
    )
    assert Notification.objects.filter(recipient=founder, text__contains="edited").count() == 1


def test_finding_6_a_suspended_elector_sees_why_there_is_no_vote_form(client):
    from .test_votes import in_voting

    community, members, proposal = in_voting(4)
    suspend(members[3])  # suspended after voting opened: still in the electorate
    client.force_login(members[3].user)
    body = client.get(proposal_url(proposal)).content.decode()
    assert SUSPENDED_NOTICE in body and "Vote for" not in body


def test_finding_7_a_rebase_that_changes_the_change_withdraws_the_seconds_so_far():
    community, members = community_with_members(4, charter__seconds_required=3)
    proposal = draft(community, members[0].user)
    check_submit_proposal(actor=members[0].user, proposal=proposal)
    check_second_proposal(actor=members[1].user, proposal=proposal)
    v2 = Charter.objects.create(community=community, version=2, purpose="Changed meanwhile",
                                goals=community.charter.goals)  # fmt: skip
    Community.objects.filter(pk=community.pk).update(charter=v2)
    check_rebase_proposal(actor=members[0].user, proposal=Proposal.objects.get(pk=proposal.pk))
    proposal.refresh_from_db()
    assert proposal.state == State.SEEKING
    assert not proposal.seconds.filter(withdrawn_at__isnull=True).exists()


def test_finding_6_a_suspended_proposer_is_offered_no_redraft(client):
    community, members = community_with_members(3)
    proposal = conflicting(community, members)
    client.force_login(members[0].user)
    assert "Re-draft on the current charter" in client.get(proposal_url(proposal)).content.decode()
    suspend(members[0])
    body = client.get(proposal_url(proposal)).content.decode()
    assert "Re-draft on the current charter" not in body and SUSPENDED_NOTICE in body
