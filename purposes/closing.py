"""Closing a proposal: the tally, the decision and, when it passed, applying it (a new
charter version, a change of moderator or member, dissolving, moving away); then telling
members the result.

The close happens once or not at all: one transaction under the proposal's row lock,
with every ``close_step`` signal sent where the fault tests stop a worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from community.lifecycle import do_dissolve_community, do_move_community, do_set_charter
from community.models import Community
from core import pagecache
from members.models import Membership, User
from members.standing import do_end_moderator_term, do_grant_moderator, do_remove_member
from moderation.log import do_log as do_log_moderation
from moderation.models import ModerationAction
from notifications.actions import do_notify_many
from notifications.models import Notification
from purposes.charter_diff import CharterText, diff_charters
from purposes.guards import lock_proposal
from purposes.methods import approval, consent, ranked, score
from purposes.methods.record import to_json
from purposes.methods.result import Electorate, MethodResult
from purposes.models import Charter, Proposal, ProposalOption, SecretBallot, Vote, rule_labels
from purposes.revisions import merge_onto, touched_fields
from purposes.selectors import KEEP, PROPOSED, alternatives, ballot_options, not_yet_reaffirmed
from purposes.signals import close_step
from purposes.tally import Outcome, Tally, decide
from purposes.voting import count_live_votes, do_publish_secret_ballots

State = Proposal.State
Kind = Proposal.Kind


def do_close_proposal(*, proposal_id: int, now: datetime | None = None) -> bool:
    """Close voting, tally and, if it passed, apply the change: all in one transaction
    under the proposal's row lock, so it happens exactly once or not at all. A proposal
    no longer in voting (already closed by another sweep) is left alone."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        if proposal.state != State.VOTING or proposal.voting_ends_at > now:
            return False
        close_step.send(Proposal, step="locked", proposal=proposal)
        # A secret ballot is counted from exactly the ballots it publishes.
        do_publish_secret_ballots(proposal=proposal)
        if proposal.counted_by_method:
            _close_by_method(proposal, now)
        else:
            _close_by_majority(proposal, now)
        close_step.send(Proposal, step="applied", proposal=proposal)
    close_step.send(Proposal, step="committed", proposal=proposal)
    pagecache.bump(community_id=proposal.community_id)
    return True


def _close_by_majority(proposal: Proposal, now: datetime) -> None:
    """For, against, abstain: the tally against the quorum and the threshold (today's)."""
    for_count, against, abstain = count_live_votes(proposal)
    tally = Tally(
        for_count=for_count,
        against_count=against,
        abstain_count=abstain,
        electorate_size=proposal.electorate_size or 0,
        active_electorate_size=proposal.active_electorate_size or 0,
    )
    close_step.send(Proposal, step="tallied", proposal=proposal)
    result = decide(tally=tally, rule=proposal.decision_rule())
    proposal.for_count, proposal.against_count = for_count, against
    proposal.abstain_count = abstain
    proposal.closed_at = now
    proposal.result_reason = result.reason
    proposal.state = {
        Outcome.PASSED: State.PASSED,
        Outcome.FAILED: State.FAILED,
        Outcome.LAPSED: State.LAPSED,
    }[result.outcome]
    close_step.send(Proposal, step="decided", proposal=proposal)
    if result.outcome is Outcome.PASSED:
        do_apply_proposal(proposal=proposal, now=now)
    proposal.save()


def _count(proposal: Proposal) -> MethodResult:
    """Count the live ballots (under a secret ballot, the published ones) with the method
    recorded when voting opened."""
    if proposal.secret:
        live = list(SecretBallot.objects.filter(proposal=proposal).exclude(choice=""))
    else:
        live = list(Vote.objects.filter(proposal=proposal, superseded_at__isnull=True))
    electorate = Electorate(
        size=proposal.electorate_size or 0, active=proposal.active_electorate_size or 0
    )
    quorum = proposal.quorum_percent or 0
    if proposal.method == "consent":
        ballots = [
            consent.ConsentBallot(
                position=v.choice, reason=v.reason, withdrawn=v.withdrawn_at is not None
            )
            for v in live
        ]
        return consent.count(ballots, electorate=electorate, quorum_percent=quorum)
    module = {"approval": approval, "ranked": ranked, "score": score}[proposal.method]
    return module.count(
        [v.ballot for v in live],
        options=ballot_options(proposal),
        electorate=electorate,
        quorum_percent=quorum,
        seed=proposal.tie_seed,
    )


def _close_by_method(proposal: Proposal, now: datetime) -> None:
    """Decide and apply a proposal counted by consent, approval, ranked choice or score
    (locked by the caller, inside its transaction). The whole count is stored on the
    proposal; its explanation is the result in words. For several options, "keep the
    current text" winning means nothing changes (the proposal fails); an alternative
    wording winning is what gets applied."""
    result = _count(proposal)
    close_step.send(Proposal, step="tallied", proposal=proposal)
    words = result.explanation
    state = {
        Outcome.PASSED: State.PASSED,
        Outcome.FAILED: State.FAILED,
        Outcome.LAPSED: State.LAPSED,
    }[result.outcome]
    proposed = None
    if result.winner == KEEP:
        state = State.FAILED
        words += " " + _("Nothing changes: the members chose to keep things as they are.")
    elif result.winner and result.winner != PROPOSED:
        alt = next(a for a in alternatives(proposal) if a.option_id == result.winner)
        proposed = _with_alternative(proposal, alt)
    proposal.result = to_json(result)
    proposal.closed_at = now
    proposal.state = state
    proposal.result_reason = words
    close_step.send(Proposal, step="decided", proposal=proposal)
    if state == State.PASSED:
        do_apply_proposal(proposal=proposal, now=now, proposed=proposed)
    proposal.result_reason = _shorten(proposal.result_reason, 500)
    proposal.save()


def _with_alternative(proposal: Proposal, alt: ProposalOption) -> CharterText:
    """The whole text an alternative proposes: its purpose, and its goals and rules where
    it has its own (a declined amendment put to the vote), else the proposal's."""
    return alt.text(proposal)


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def do_apply_proposal(
    *, proposal: Proposal, now: datetime, proposed: CharterText | None = None
) -> None:
    """Apply a passed proposal (locked by the caller, inside its transaction). Sets
    ``applied_at``, or the state CONFLICT when a newer charter changed the same fields.
    ``proposed``: the charter text to apply when it is not the proposal's own (an
    alternative wording chosen by a several-option vote)."""
    community = Community.objects.select_for_update().get(pk=proposal.community_id)
    charter = Charter.objects.get(pk=community.charter_id)
    if proposal.is_charter_change:
        if proposed is None:
            mine = touched_fields(proposal)
            proposed = proposal.proposed_text()
        else:
            base = proposal.base_charter.text()
            mine = diff_charters(base, proposed, rule_labels()).touched_fields
        if proposal.base_charter_id != charter.pk:
            theirs = diff_charters(
                proposal.base_charter.text(), charter.text(), rule_labels()
            ).touched_fields
            if mine & theirs:
                proposal.state = State.CONFLICT
                proposal.result_reason += " " + _(
                    "Not applied: charter version %(v)s changed the same part since this "
                    "proposal was drafted; it must be re-drafted on the current version."
                ) % {"v": charter.version}
                return
        merged = merge_onto(current=charter.text(), proposed=proposed, fields=mine)
        new = Charter.objects.create(
            community=community,
            version=charter.version + 1,
            purpose=merged.purpose,
            goals=merged.goals,
            author=proposal.author,
            proposal=proposal,
            changes_purpose=bool(mine & {"purpose", "goals"}),
            **merged.rules,
        )
        # In force from the close (auto_now_add would stamp the moment the sweep ran).
        Charter.objects.filter(pk=new.pk).update(created_at=now)
        do_set_charter(community=community, charter=new)
    elif proposal.kind in Proposal.TARGET_KINDS:
        _apply_to_person(proposal=proposal, community=community, charter=charter, now=now)
    elif proposal.kind == Kind.DISSOLVE:
        do_dissolve_community(community=community, at=now)
        _close_the_rest(proposal, now, _("Closed without a decision: the community was dissolved."))
    elif proposal.kind == Kind.MOVE:
        # The worker builds the archive and sends the claim tokens once this commits
        # (portability.moving, a sweep of moved communities): nothing here leaves the
        # transaction, and nothing is deleted.
        do_move_community(community=community, to=proposal.new_home, at=now)
        _close_the_rest(
            proposal,
            now,
            _("Closed without a decision: the community moved to %(home)s.")
            % {"home": proposal.new_home},
        )
    proposal.applied_at = now


def _close_the_rest(proposal: Proposal, now: datetime, reason: str) -> None:
    """A read-only community decides nothing more: its other open proposals are closed."""
    Proposal.objects.filter(
        community_id=proposal.community_id, state__in=Proposal.OPEN_STATES
    ).exclude(pk=proposal.pk).update(
        state=State.WITHDRAWN, withdrawn_at=now, result_reason=_shorten(reason, 500)
    )


def _apply_to_person(
    *, proposal: Proposal, community: Community, charter: Charter, now: datetime
) -> None:
    """Elect, recall or remove: applied to the person's membership current at the close,
    whatever row the proposal named, and logged only when something changed."""
    person = proposal.target.user
    if proposal.kind == Kind.ELECT_MODERATOR:
        term_ends_at = now + timedelta(days=charter.moderator_term_days)
        if do_grant_moderator(user=person, community=community, term_ends_at=term_ends_at):
            _log_role_change(proposal, ModerationAction.Kind.TERM_START, now, until=term_ends_at)
        else:
            proposal.result_reason += " " + _("Not applied: the nominee is no longer a member.")
    elif proposal.kind == Kind.RECALL_MODERATOR:
        if do_end_moderator_term(user=person, community=community):
            _log_role_change(proposal, ModerationAction.Kind.TERM_END, now)
        else:
            proposal.result_reason += " " + _("Nothing to apply: they were no longer a moderator.")
    elif do_remove_member(user=person, community=community, at=now):
        _log_role_change(proposal, ModerationAction.Kind.REMOVE, now)
    else:
        proposal.result_reason += " " + _(
            "They had already left; the removal stands, so they may come back only by application."
        )


def _log_role_change(proposal: Proposal, kind: str, now: datetime, until=None) -> None:
    """Every use of moderating power is in the community's public log (R7), including the
    proposals that make, recall or remove: a role given or taken by vote is as visible
    as one taken by a moderator."""
    do_log_moderation(
        community=proposal.community,
        kind=kind,
        member=proposal.target.user,
        reason=_("By the passed proposal “%(title)s”.") % {"title": proposal.title},
        until=until,
        at=now,
    )


def do_notify_result(*, proposal_id: int, now: datetime | None = None) -> int:
    """Tell every current member (and the proposer) the result, once."""
    now = now or timezone.now()
    with transaction.atomic():
        proposal = lock_proposal(proposal_id)
        if proposal.state not in Proposal.CLOSED_STATES or proposal.result_notified_at:
            return 0
        members = Membership.objects.current().filter(community=proposal.community_id)
        text = _("“%(title)s” in %(community)s: %(result)s") % {
            "title": proposal.title,
            "community": proposal.community.name,
            "result": proposal.result_reason,
        }
        text = _shorten(text, 300)  # the notification's length; the page has every word
        sent = do_notify_many(
            recipients=User.objects.filter(
                Q(pk__in=members.values("user_id")) | Q(pk=proposal.author_id)
            ),
            kind=Notification.Kind.PROPOSAL,
            text=text,
            url=proposal.get_absolute_url(),
            community=proposal.community,
        )
        _ask_to_reaffirm(proposal)
        proposal.result_notified_at = now
        proposal.save(update_fields=["result_notified_at"])
    return sent


def _ask_to_reaffirm(proposal: Proposal) -> None:
    """After a passed change of purpose, ask each member who has not affirmed the new
    purpose to re-affirm it (the banner asks too; silence never removes anyone). Sent with
    the result rather than at the close, so the close of a big community stays quick."""
    if proposal.state != State.PASSED or not proposal.is_charter_change:
        return
    charter = Charter.objects.filter(proposal=proposal, changes_purpose=True).first()
    if charter is None:
        return
    community = proposal.community
    do_notify_many(
        recipients=User.objects.filter(pk__in=not_yet_reaffirmed(community).values("user_id")),
        kind=Notification.Kind.COMMUNITY,
        text=_(
            "The purpose of %(community)s changed (charter version %(version)s). Read it and "
            "re-affirm it, or leave if it is no longer yours; nothing happens if you do neither."
        )
        % {"community": community.name, "version": charter.version},
        url=reverse("purposes:charter", kwargs={"slug": community.slug}),
        community=community,
    )
