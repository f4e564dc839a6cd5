"""Drafting a proposal and changing it: creating, revising, rebasing on the charter in
force, re-drafting after a conflict, the nominee's acceptance, submitting, withdrawing.

``check_*`` functions authorise the actor and validate input, then change state under
the proposal's row lock (``lock_proposal``) in one transaction; ``do_create_proposal``
trusts its caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import Community
from core import pagecache
from members.models import Membership, User
from notifications.actions import do_notify
from notifications.models import Notification
from purposes.charter_diff import CharterText, diff_charters
from purposes.guards import (
    ProposalError,
    live_or_error,
    lock_proposal,
    proposer_or_error,
    taking_part_or_error,
    within_daily_limit_or_error,
)
from purposes.methods.charter import MethodsError, validate_methods
from purposes.models import Proposal, ProposalOption, rule_labels
from purposes.revisions import change_of, merge_onto, record_revision, touched_fields
from purposes.seconds import (
    do_start_discussion,
    do_tell_members_it_seeks_seconds,
    do_withdraw_seconds,
)

State = Proposal.State
Kind = Proposal.Kind


def _validate_text(*, kind: str, title: str, rationale: str) -> None:
    if kind not in Kind.values:
        raise ProposalError(_("Choose what kind of change you propose."))
    if not title.strip():
        raise ProposalError(_("Give the proposal a title."))
    if not rationale.strip():
        raise ProposalError(_("Say why you propose it."))


MAX_NEW_HOME_CHARS = 500


def clean_new_home(address: str) -> str:
    """A move's new home, cleaned: an https address (the community's page on its new
    instance, where the claim links lead), or ProposalError saying what to put right."""
    address = (address or "").strip()
    if not address:
        raise ProposalError(
            _("Give the address of the new home: the community’s page on its new instance.")
        )
    if len(address) > MAX_NEW_HOME_CHARS:
        raise ProposalError(
            _("Keep the address to %(n)s characters or fewer.") % {"n": MAX_NEW_HOME_CHARS}
        )
    try:
        URLValidator(schemes=["https"])(address)
    except ValidationError:
        raise ProposalError(
            _(
                "The new home must be a full https address, such as "
                "https://commons.example/c/our-community/."
            )
        ) from None
    return address


def _methods_or_error(proposed: CharterText | None) -> None:
    """A proposed text's decision methods leave no kind without one and name only real
    methods (the forms and the API check this too; an action trusts no caller)."""
    if proposed is None or "methods" not in proposed.rules:
        return
    try:
        validate_methods(proposed.rules["methods"])
    except MethodsError as error:
        raise ProposalError(str(error)) from None


def _validate_target(*, actor: User, community: Community, kind: str, target) -> None:
    if kind not in Proposal.TARGET_KINDS:
        return
    if target is None or target.community_id != community.pk or target.left_at is not None:
        raise ProposalError(_("Choose a current member of this community."))
    if kind == Kind.REMOVE_MEMBER and target.user_id == actor.pk:
        raise ProposalError(_("You cannot propose to remove yourself; you can leave instead."))
    if kind == Kind.RECALL_MODERATOR and not target.is_moderator:
        raise ProposalError(_("That member is not a moderator."))
    if kind == Kind.ELECT_MODERATOR and target.is_moderator:
        raise ProposalError(_("That member is already a moderator."))


def check_create_proposal(
    *,
    actor: User,
    community: Community,
    kind: str,
    title: str,
    rationale: str,
    proposed: CharterText | None = None,
    target: Membership | None = None,
    alternatives: Sequence[str] = (),
    new_home: str = "",
) -> Proposal:
    """A draft proposal by a current, unsuspended member of a live community. A change of
    purpose decided by a several-option method (approval, ranked choice, score) may carry
    ``alternatives``: other wordings of the purpose, each an option of the vote beside the
    proposal's own text and "keep the current text". A move names its ``new_home``."""
    taking_part_or_error(
        actor,
        community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot propose while suspended."),
    )
    if not community.is_active:
        raise ProposalError(_("Only an active community takes proposals."))
    _validate_text(kind=kind, title=title, rationale=rationale)
    _validate_target(actor=actor, community=community, kind=kind, target=target)
    new_home = clean_new_home(new_home) if kind == Kind.MOVE else ""
    base = community.charter
    if kind in Proposal.CHARTER_KINDS and (
        proposed is None or diff_charters(base.text(), proposed, rule_labels()).is_empty
    ):
        raise ProposalError(_("The proposal changes nothing in the charter yet."))
    _methods_or_error(proposed)
    alternatives = _alternatives_or_error(
        kind=kind, base=base, proposed=proposed, alternatives=alternatives
    )
    with transaction.atomic():
        within_daily_limit_or_error(actor, timezone.now())
        proposal = do_create_proposal(
            author=actor,
            community=community,
            kind=kind,
            title=title.strip(),
            rationale=rationale.strip(),
            proposed=proposed or base.text(),
            target=target,
            new_home=new_home,
        )
        ProposalOption.objects.bulk_create(
            ProposalOption(proposal=proposal, position=i, purpose=text)
            for i, text in enumerate(alternatives, start=1)
        )
        return proposal


def _alternatives_or_error(
    *, kind: str, base, proposed: CharterText | None, alternatives: Sequence[str]
) -> list[str]:
    """The alternative wordings, cleaned, or ProposalError with what to put right."""
    texts = [(text or "").strip() for text in alternatives]
    texts = [text for text in texts if text]
    if not texts:
        return []
    method = base.method_for(kind)
    if kind != Kind.AMEND_PURPOSE or not method.several_options:
        raise ProposalError(
            _(
                "Alternative wordings are for a change of purpose decided by approval, ranked "
                "choice or score; this community decides it by %(method)s."
            )
            % {"method": method.label.lower()}
        )
    if len(texts) > ProposalOption.MAX:
        raise ProposalError(_("At most %(n)s alternative wordings.") % {"n": ProposalOption.MAX})
    if any(len(text) > 5000 for text in texts):
        raise ProposalError(_("Keep each alternative wording to 5000 characters or fewer."))
    known = {base.purpose.strip(), (proposed.purpose if proposed else "").strip()}
    for text in texts:
        if text in known:
            raise ProposalError(
                _(
                    "Each alternative wording must differ from the current purpose, the "
                    "proposed one and the other alternatives."
                )
            )
        known.add(text)
    return texts


def do_create_proposal(
    *,
    author: User,
    community: Community,
    kind: str,
    title: str,
    rationale: str,
    proposed: CharterText,
    target: Membership | None = None,
    new_home: str = "",
) -> Proposal:
    proposal = Proposal.objects.create(
        community=community,
        kind=kind,
        title=title,
        rationale=rationale,
        author=author,
        base_charter=community.charter,
        purpose=proposed.purpose,
        goals=list(proposed.goals),
        rules=dict(proposed.rules),
        target=target,
        new_home=new_home,
    )
    if kind == Kind.ELECT_MODERATOR and target is not None:
        do_notify(
            recipients=[target.user],
            kind=Notification.Kind.PROPOSAL,
            text=_("%(name)s nominated you as a moderator of %(community)s. Accept or decline.")
            % {"name": author.shown_name, "community": community.name},
            url=proposal.get_absolute_url(),
            community=community,
            actor=author,
        )
    return proposal


def check_revise_proposal(
    *,
    actor: User,
    proposal: Proposal,
    title: str,
    rationale: str,
    proposed: CharterText | None,
    now: datetime | None = None,
) -> Proposal:
    """The proposer revises the text: while a draft, and during discussion (every
    revision is kept). Not while seeking seconds (seconds back a text), nor once voting
    has opened. In discussion, a change of what the proposal does (its purpose, goals or
    rules) withdraws the seconds: they backed the old change, not this one. Rewording
    the title or the reasons keeps them."""
    now = now or timezone.now()
    proposer_or_error(actor, proposal, _("Only the proposer may revise the proposal."))
    _validate_text(kind=proposal.kind, title=title, rationale=rationale)
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        if locked.state not in (State.DRAFT, State.DISCUSSION):
            raise ProposalError(_("The proposal can be revised only as a draft or in discussion."))
        before = change_of(locked)
        locked.title, locked.rationale = title.strip(), rationale.strip()
        if locked.is_charter_change and proposed is not None:
            if diff_charters(locked.base_charter.text(), proposed, rule_labels()).is_empty:
                raise ProposalError(_("The proposal changes nothing in the charter yet."))
            _methods_or_error(proposed)
            locked.purpose, locked.goals, locked.rules = (
                proposed.purpose,
                list(proposed.goals),
                dict(proposed.rules),
            )
        locked.save()
        if locked.state == State.DRAFT:
            return locked
        if change_of(locked) != before:
            do_withdraw_seconds(proposal=locked, actor=actor, now=now)
        else:
            record_revision(proposal=locked, author=actor, note=_("Revised in discussion"))
    pagecache.bump(community_id=locked.community_id)
    return locked


def check_rebase_proposal(
    *, actor: User, proposal: Proposal, now: datetime | None = None
) -> Proposal:
    """Re-draft a charter proposal on the charter now in force: the proposer's own changes
    are kept, every other field takes the current version's value. If that changes what
    the proposal does (the new version changed a field it changes too), the seconds it
    had are withdrawn, as for a revision."""
    now = now or timezone.now()
    proposer_or_error(actor, proposal, _("Only the proposer may rebase the proposal."))
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        current = locked.community.charter
        if not locked.is_charter_change or locked.state not in (
            State.DRAFT,
            State.SEEKING,
            State.DISCUSSION,
        ):
            raise ProposalError(_("Only an open charter proposal can be rebased."))
        if locked.base_charter_id == current.pk:
            raise ProposalError(_("The proposal is already drafted on the current charter."))
        merged = merge_onto(
            current=current.text(), proposed=locked.proposed_text(), fields=touched_fields(locked)
        )
        before = change_of(locked)
        locked.base_charter = current
        locked.purpose, locked.goals, locked.rules = merged.purpose, merged.goals, merged.rules
        locked.save()
        if locked.state == State.DRAFT:
            return locked
        if change_of(locked) != before and (
            locked.state == State.DISCUSSION
            or locked.seconds.filter(withdrawn_at__isnull=True).exists()
        ):
            do_withdraw_seconds(proposal=locked, actor=actor, now=now)
        else:
            record_revision(
                proposal=locked,
                author=actor,
                note=_("Rebased on charter version %(v)s") % {"v": current.version},
            )
    pagecache.bump(community_id=locked.community_id)
    return locked


def check_redraft_proposal(*, actor: User, proposal: Proposal) -> Proposal:
    """A proposal that passed but conflicted with a newer charter: its proposer starts a
    new draft of the same change on the current version."""
    if actor.pk != proposal.author_id or proposal.state != State.CONFLICT:
        raise ProposalError(_("Only the proposer of a conflicting proposal may re-draft it."))
    community = proposal.community
    # A re-draft is a new proposal: the same rules as drafting one.
    taking_part_or_error(
        actor,
        community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot propose while suspended."),
    )
    if not community.is_active:
        raise ProposalError(_("Only an active community takes proposals."))
    merged = merge_onto(
        current=community.charter.text(),
        proposed=proposal.proposed_text(),
        fields=touched_fields(proposal),
    )
    with transaction.atomic():
        within_daily_limit_or_error(actor, timezone.now())
        return do_create_proposal(
            author=actor,
            community=community,
            kind=proposal.kind,
            title=proposal.title,
            rationale=proposal.rationale,
            proposed=merged,
        )


def _nominee_current_or_error(proposal: Proposal) -> None:
    """The nomination names one membership: once it ended (even if its user joined again),
    the acceptance and the proposal concern someone who is no longer there."""
    if proposal.target_id is not None and (
        Membership.objects.filter(pk=proposal.target_id, left_at__isnull=True).first() is None
    ):
        raise ProposalError(
            _("The member this proposal concerns is no longer a member; withdraw it.")
        )


def check_accept_nomination(*, actor: User, proposal: Proposal) -> Proposal:
    live_or_error(proposal.community)
    if proposal.kind != Kind.ELECT_MODERATOR or proposal.target.user_id != actor.pk:
        raise ProposalError(_("Only the nominee may accept this nomination."))
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        if locked.state != State.DRAFT or locked.nominee_accepted_at is not None:
            raise ProposalError(_("The nomination is no longer waiting for you."))
        _nominee_current_or_error(locked)
        locked.nominee_accepted_at = timezone.now()
        locked.save(update_fields=["nominee_accepted_at"])
    return locked


def check_submit_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    """The proposer sends a draft out to seek seconds (an election only once the nominee
    has accepted)."""
    now = now or timezone.now()
    if actor.pk != proposal.author_id:
        raise ProposalError(_("Only the proposer may submit the proposal."))
    taking_part_or_error(
        actor,
        proposal.community,
        not_member=_("Only members may propose a change."),
        suspended=_("You cannot submit a proposal while suspended."),
    )
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        if locked.state != State.DRAFT:
            raise ProposalError(_("The proposal has already been submitted."))
        if locked.needs_nominee:
            raise ProposalError(_("The nominee has not accepted yet."))
        _nominee_current_or_error(locked)
        locked.state = State.SEEKING
        locked.submitted_at = now
        locked.save(update_fields=["state", "submitted_at"])
        record_revision(proposal=locked, author=actor, note=_("Submitted"))
        if locked.community.charter.seconds_required == 0:
            do_start_discussion(proposal=locked, now=now, actor=actor)
        else:
            do_tell_members_it_seeks_seconds(proposal=locked)
    pagecache.bump(community_id=locked.community_id)
    return locked


def check_withdraw_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None):
    now = now or timezone.now()
    live_or_error(proposal.community)
    if actor.pk != proposal.author_id:
        raise ProposalError(_("Only the proposer may withdraw the proposal."))
    with transaction.atomic():
        locked = lock_proposal(proposal.pk)
        if locked.state not in (State.DRAFT, State.SEEKING, State.DISCUSSION):
            raise ProposalError(_("A proposal cannot be withdrawn once voting has opened."))
        locked.state = State.WITHDRAWN
        locked.withdrawn_at = now
        locked.save(update_fields=["state", "withdrawn_at"])
    pagecache.bump(community_id=locked.community_id)
    return locked
