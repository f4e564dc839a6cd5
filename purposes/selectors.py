"""Reads of the purposes app: charters, their history, proposals and their votes."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from community.models import Community
from members.models import Membership
from purposes.charter_diff import CharterDiff, CharterText, diff_charters
from purposes.models import (
    Amendment,
    Charter,
    ElectorateMember,
    Proposal,
    ProposalOption,
    ProposalRevision,
    Second,
    SecretBallot,
    Vote,
    rule_labels,
)


def charter_versions(community: Community) -> list[Charter]:
    """Every version, newest first, each with ``diff`` (from the one before) and its
    proposal loaded: two queries whatever the number of versions."""
    versions = list(
        Charter.objects.filter(community=community)
        .select_related("proposal__author", "author")
        .order_by("version")
    )
    labels = rule_labels()
    previous = None
    for charter in versions:
        charter.diff = diff_charters(previous.text() if previous else None, charter.text(), labels)
        previous = charter
    return versions[::-1]


def proposal_diff(proposal: Proposal) -> CharterDiff | None:
    """The exact change a charter proposal makes to the version it was drafted against."""
    if not proposal.is_charter_change:
        return None
    return diff_charters(proposal.base_charter.text(), proposal.proposed_text(), rule_labels())


def proposals_for_list(community: Community, user) -> QuerySet[Proposal]:
    """Every proposal but drafts of other people: what is being decided now first (voting,
    discussion, seeking seconds, own drafts), then the closed ones, newest first."""
    drafts_seen = Q(author=user.pk) if getattr(user, "is_authenticated", False) else Q(pk=None)
    State = Proposal.State
    stage = Case(
        When(state=State.VOTING, then=Value(0)),
        When(state=State.DISCUSSION, then=Value(1)),
        When(state=State.SEEKING, then=Value(2)),
        When(state=State.DRAFT, then=Value(3)),
        default=Value(4),
    )
    return (
        Proposal.objects.filter(community=community)
        .filter(~Q(state=State.DRAFT) | drafts_seen)
        .select_related("author", "target__user")
        .order_by(stage, "-created_at", "-id")
    )


VOTES_PER_PAGE = 50


def vote_reasons_page(proposal: Proposal, page_number=None) -> Page:
    """The live votes shown on the proposal page, newest first, a page at a time: while
    voting, only those given with a reason (who voted which way stays hidden); once
    closed, every vote. Paged because a big community's vote has thousands."""
    votes = Vote.objects.filter(proposal=proposal, superseded_at__isnull=True)
    if not proposal.is_closed:
        votes = votes.exclude(reason="")
    # A secret ballot's list is its turnout, by name: the order votes came in is no clue.
    order = ("user__username",) if proposal.secret else ("-cast_at", "-id")
    votes = votes.select_related("user").order_by(*order)
    return Paginator(votes, VOTES_PER_PAGE).get_page(page_number)


def published_ballots(proposal: Proposal) -> QuerySet[SecretBallot]:
    """The ballots of a closed secret vote, without voters, in the order of their random
    ids (nothing to do with when or by whom they were cast); none before the close."""
    if not (proposal.secret and proposal.is_closed):
        return SecretBallot.objects.none()
    return SecretBallot.objects.filter(proposal=proposal).exclude(choice="").order_by("id")


def vote_history(proposal: Proposal, user) -> list[Vote]:
    """The user's own votes on a proposal, newest first (the first is the live one)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(Vote.objects.filter(proposal=proposal, user=user).order_by("-cast_at", "-id"))


def in_electorate(proposal: Proposal, user) -> bool:
    if not getattr(user, "is_authenticated", False) or proposal.voting_started_at is None:
        return False
    return ElectorateMember.objects.filter(proposal=proposal, user=user).exists()


def electorate_standing(proposal: Proposal, membership, *, voter: bool) -> str:
    """Why the viewer is, will be or is not in a proposal's electorate, in a sentence
    (empty when there is nothing to say: not yet in discussion, or an ordinary voter).
    ``voter``: whether they are in the snapshot (``in_electorate``, asked once per page)."""
    started = proposal.discussion_started_at
    if membership is None or started is None:
        return ""
    min_days = proposal.community.charter.voting_min_days
    if membership.joined_at > started:
        return _(
            "You joined after this proposal’s discussion began (%(started)s), so you do not "
            "vote on it: the electorate is the members at the start of discussion, so that "
            "nobody joins to swing a vote they have seen."
        ) % {"started": f"{started:%d %b %Y}"}
    if proposal.voting_started_at is not None and not voter:
        if min_days:
            return _(
                "You had been a member for fewer than %(days)s days when voting opened, as "
                "this community's charter asks of voters."
            ) % {"days": min_days}
        return _("You are not in this proposal’s electorate.")
    if membership.is_suspended:
        return _(
            "You are suspended until %(until)s UTC. You stay in the electorate: you may vote "
            "once the suspension ends, if voting is still open."
        ) % {"until": f"{membership.suspended_until:%d %b %Y %H:%M}"}
    if proposal.voting_started_at is None:
        return _("You are in the electorate if you are still a member when voting opens.")
    return ""


def revisions(proposal: Proposal) -> list[ProposalRevision]:
    """Every text the proposal had, oldest first; from the second on, each carries
    ``diff`` (what the revision changed in the proposed charter) and ``old_title``."""
    rows = list(proposal.revisions.select_related("author", "base_charter"))
    labels = rule_labels()
    for previous, revision in zip(rows, rows[1:], strict=False):
        revision.old_title = previous.title if previous.title != revision.title else None
        if proposal.is_charter_change:
            revision.diff = diff_charters(_text(previous), _text(revision), labels)
    return rows


def _text(revision: ProposalRevision) -> CharterText:
    return CharterText(
        purpose=revision.purpose, goals=list(revision.goals), rules=dict(revision.rules)
    )


def deciding_now(community: Community) -> list[Proposal]:
    """What the community is deciding now, for its home page (one query): proposals in
    voting or in discussion, soonest deadline first, then those seeking seconds, oldest
    first, each with ``seconds_missing`` (live seconds still needed before discussion)."""
    State = Proposal.State
    # Per second, is its author still a member (the one-current-membership index): a list
    # of every current member here cost O(members) on each home page.
    still_member = Exists(
        Membership.objects.current().filter(community=community, user_id=OuterRef("user_id"))
    )
    live = (
        Second.objects.filter(proposal=OuterRef("pk"), withdrawn_at__isnull=True)
        .filter(still_member)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    proposals = list(
        Proposal.objects.filter(
            community=community, state__in=[State.VOTING, State.DISCUSSION, State.SEEKING]
        )
        .annotate(
            deadline=Case(
                When(state=State.VOTING, then="voting_ends_at"),
                When(state=State.DISCUSSION, then="discussion_ends_at"),
                default=None,
            ),
            live_seconds=Coalesce(Subquery(live), 0),
        )
        .order_by(F("deadline").asc(nulls_last=True), "submitted_at", "id")
    )
    needed = community.charter.seconds_required
    for proposal in proposals:
        # At least one: a proposal still seeking moves on only with its next second (the
        # charter may have lowered the number since it was submitted).
        proposal.seconds_missing = max(needed - proposal.live_seconds, 1)
    return proposals


def nominable_members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.current()
        .filter(community=community)
        .select_related("user")
        .order_by("user__username")
    )


def needs_reaffirm(membership: Membership | None, community: Community) -> bool:
    """True when the purpose or goals changed in a version newer than the one this member
    last affirmed. Silence never removes anyone: this only drives the banner."""
    if membership is None or membership.affirmed_charter_id == community.charter_id:
        return False
    affirmed = Charter.objects.filter(pk=membership.affirmed_charter_id).values("version")
    changed = Charter.objects.filter(community=community, changes_purpose=True)
    if membership.affirmed_charter_id is not None:
        changed = changed.filter(version__gt=affirmed[:1])
    return changed.exists()


def not_yet_reaffirmed(community: Community) -> QuerySet[Membership]:
    """Current members who have not affirmed the purpose since it last changed."""
    latest_change = (
        Charter.objects.filter(community=community, changes_purpose=True)
        .order_by("-version")
        .values("version")[:1]
    )
    affirmed_since = Charter.objects.filter(
        pk=OuterRef("affirmed_charter_id"), version__gte=latest_change
    )
    return Membership.objects.current().filter(community=community).exclude(Exists(affirmed_since))


def live_seconds(proposal: Proposal) -> QuerySet:
    """The seconds that count: not withdrawn, and of people who are still members (a
    second stays on record when its member leaves, but no longer pushes the proposal on)."""
    current = Membership.objects.current().filter(community_id=proposal.community_id)
    return proposal.seconds.filter(withdrawn_at__isnull=True, user_id__in=current.values("user_id"))


# --- Founding ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FoundingStatus:
    quorum: int
    founders: list  # of (Membership, endorsed: bool)
    endorsed: int

    @property
    def missing(self) -> int:
        return max(self.quorum - self.endorsed, 0)

    @property
    def open_places(self) -> int:
        return max(self.quorum - len(self.founders), 0)

    @property
    def waiting_for(self) -> list:
        """Founders who have not endorsed the charter as it stands."""
        return [membership for membership, endorsed in self.founders if not endorsed]


def founding_status(community: Community) -> FoundingStatus:
    """Who has endorsed the founding charter and what is missing (one query)."""
    founders = list(
        Membership.objects.current()
        .filter(community=community)
        .select_related("user")
        .order_by("joined_at", "pk")
    )
    rows = [(m, m.affirmed_charter_id == community.charter_id) for m in founders]
    return FoundingStatus(
        quorum=settings.FOUNDING_QUORUM,
        founders=rows,
        endorsed=sum(1 for _m, endorsed in rows if endorsed),
    )


KEEP = "keep"
PROPOSED = "proposal"


def alternatives(proposal: Proposal) -> list[ProposalOption]:
    """The alternative wordings a several-option proposal carries (none for the others)."""
    return list(
        ProposalOption.objects.filter(proposal=proposal).select_related("amendment__author")
    )


def ballot_options(proposal: Proposal, alts: list[ProposalOption] | None = None) -> dict[str, str]:
    """The options of a several-option vote, ``{id: label}`` in ballot order: the proposal
    as written, each alternative wording, and always "keep the current text"."""
    alts = alternatives(proposal) if alts is None else alts
    options = {PROPOSED: _("The proposal as written")}
    for alt in alts:
        if alt.amendment_id is not None:
            options[alt.option_id] = _("Alternative %(n)s: the amendment of %(name)s") % {
                "n": alt.position,
                "name": alt.amendment.author.shown_name,
            }
        else:
            options[alt.option_id] = _("Alternative wording %(n)s") % {"n": alt.position}
    options[KEEP] = (
        _("Keep the current text") if proposal.is_charter_change else _("Keep things as they are")
    )
    return options


def amendments(proposal: Proposal) -> list[Amendment]:
    """A charter proposal's amendments, oldest first (one query; none when the proposal
    was read ``with_has_options`` and has none), each with ``diff``:
    what it changes in the proposal's text as it stood when it was written, and
    ``outdated``: a waiting amendment whose proposal text has changed since."""
    if not proposal.is_charter_change or getattr(proposal, "has_amendments", True) is False:
        return []
    rows = list(Amendment.objects.filter(proposal=proposal).select_related("author"))
    labels = rule_labels()
    current = proposal.proposed_text()
    for row in rows:
        row.diff = diff_charters(row.against_text(), row.text(), labels)
        row.outdated = row.state == Amendment.State.PENDING and row.against_text() != current
    return rows
