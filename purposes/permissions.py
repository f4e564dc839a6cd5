"""May this user do this with a charter or a proposal? (CONVENTIONS rule 5.)

The charter is public for every community (people decide whether to join from it);
proposals are community content, a 404 to outsiders of a members-only community. A draft
is seen only by its proposer and, for an election, its nominee.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from community.permissions import access_community, can_post
from members.permissions import current_membership
from purposes.models import Amendment, Proposal


def can_see_proposal(user, proposal: Proposal) -> bool:
    if proposal.state != Proposal.State.DRAFT:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.pk == proposal.author_id or (
        proposal.target is not None and proposal.target.user_id == user.pk
    )


def access_proposal(user, slug: str, proposal_id: int) -> Proposal:
    """The proposal if the user may read it; otherwise a 404 (also for a proposal of
    another community than the one in the address)."""
    community = access_community(user, slug)
    proposal = get_object_or_404(
        Proposal.objects.select_related(
            "author", "base_charter", "target__user", "charter_made"
        ).with_has_options(),
        pk=proposal_id,
        community=community,
    )
    proposal.community = community
    if not can_see_proposal(user, proposal):
        raise Http404("No such proposal")
    return proposal


def can_propose(user, community) -> bool:
    return community.is_active and can_post(user, community)


def can_second(user, proposal: Proposal) -> bool:
    return (
        proposal.state == Proposal.State.SEEKING
        and getattr(user, "is_authenticated", False)
        and user.pk != proposal.author_id
        and not (
            proposal.kind == Proposal.Kind.ELECT_MODERATOR and proposal.target.user_id == user.pk
        )
        and can_post(user, proposal.community)
    )


def is_proposer(user, proposal: Proposal) -> bool:
    return getattr(user, "is_authenticated", False) and user.pk == proposal.author_id


def can_submit(user, proposal: Proposal) -> bool:
    """The proposer of a draft, while taking part (a current member, not suspended)."""
    return (
        is_proposer(user, proposal)
        and proposal.state == Proposal.State.DRAFT
        and can_post(user, proposal.community)
    )


def can_redraft(user, proposal: Proposal) -> bool:
    """A re-draft is a new proposal: the proposer of the conflicting one, if they may
    propose."""
    return (
        is_proposer(user, proposal)
        and proposal.state == Proposal.State.CONFLICT
        and can_propose(user, proposal.community)
    )


def suspended_until(user, community):
    """When the user's suspension in this community ends, if they are suspended now:
    pages then say what they may and may not do instead of offering the buttons."""
    membership = current_membership(user, community)
    if membership is None or not membership.is_suspended:
        return None
    return membership.suspended_until


def can_withdraw(user, proposal: Proposal) -> bool:
    return is_proposer(user, proposal) and proposal.state in (
        Proposal.State.DRAFT,
        Proposal.State.SEEKING,
        Proposal.State.DISCUSSION,
    )


def can_revise(user, proposal: Proposal) -> bool:
    """The proposer, while still taking part (a current member, not suspended)."""
    return (
        is_proposer(user, proposal)
        and proposal.state in (Proposal.State.DRAFT, Proposal.State.DISCUSSION)
        and can_post(user, proposal.community)
    )


def can_rebase(user, proposal: Proposal) -> bool:
    return (
        is_proposer(user, proposal)
        and proposal.state
        in (Proposal.State.DRAFT, Proposal.State.SEEKING, Proposal.State.DISCUSSION)
        and can_post(user, proposal.community)
    )


def can_accept_nomination(user, proposal: Proposal) -> bool:
    return (
        proposal.needs_nominee
        and proposal.state == Proposal.State.DRAFT
        and getattr(user, "is_authenticated", False)
        and proposal.target.user_id == user.pk
    )


def can_affirm(user, community) -> bool:
    return current_membership(user, community) is not None


def can_amend(user, proposal: Proposal) -> bool:
    """Propose an amendment: a current, unsuspended member other than the proposer (who
    revises instead), while a charter proposal is in discussion."""
    return (
        proposal.is_charter_change
        and proposal.state == Proposal.State.DISCUSSION
        and getattr(user, "is_authenticated", False)
        and user.pk != proposal.author_id
        and can_post(user, proposal.community)
    )


def can_decide_amendment(user, proposal: Proposal) -> bool:
    """Accept or decline the amendments waiting on one's proposal while it is in
    discussion, while still taking part."""
    return (
        is_proposer(user, proposal)
        and proposal.state == Proposal.State.DISCUSSION
        and can_post(user, proposal.community)
    )


def can_carry_amendment(user, amendment: Amendment, proposal: Proposal) -> bool:
    """Put one's declined amendment to the vote, where the charter allows it."""
    return (
        amendment.state == Amendment.State.DECLINED
        and amendment.carried_at is None
        and getattr(user, "is_authenticated", False)
        and user.pk == amendment.author_id
        and proposal.state == Proposal.State.DISCUSSION
        and proposal.community.charter.amendments_to_vote
        and can_post(user, proposal.community)
    )


def access_amendment(user, slug: str, proposal_id: int, amendment_id: int):
    """The proposal and one of its amendments if the user may read the proposal;
    otherwise a 404 (also for an amendment of another proposal)."""
    proposal = access_proposal(user, slug, proposal_id)
    amendment = get_object_or_404(
        Amendment.objects.select_related("author"), pk=amendment_id, proposal=proposal
    )
    amendment.proposal = proposal
    return proposal, amendment
