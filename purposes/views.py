"""Views of the purposes app: the charter and its history, proposals, seconds and votes.

Thin views (CONVENTIONS rule 6): parse → access → action → render. Every POST works
without JavaScript (post/redirect/get); the vote panel is swapped in place for htmx.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import ratelimits
from community.permissions import access_community, can_read, get_community_or_404
from members import joining
from members.permissions import current_membership
from purposes import actions, founding, permissions, selectors
from purposes.actions import ProposalError
from purposes.forms import ProposalForm, VoteForm
from purposes.founding_forms import CharterForm, CommunityForm
from purposes.models import Proposal

STEPS = {
    "submit": (actions.check_submit_proposal, _("Your proposal is now seeking seconds.")),
    "second": (actions.check_second_proposal, _("You seconded this proposal.")),
    "withdraw": (actions.check_withdraw_proposal, _("You withdrew the proposal.")),
    "accept": (actions.check_accept_nomination, _("You accepted the nomination.")),
    "rebase": (actions.check_rebase_proposal, _("The proposal now builds on the current charter.")),
}


def offshoot_url(community) -> str:
    """Where "start a new community from this one" goes: the founding form, pre-filled."""
    return f"{reverse('purposes:offshoot', kwargs={'slug': community.slug})}"


def charter(request, slug):
    """The charter in force: public for every community, even a members-only one."""
    community = get_community_or_404(slug)
    community.parent  # noqa: B018 - loaded here for the lineage, not in the template
    if community.charter is None:
        raise Http404("No charter yet")
    membership = current_membership(request.user, community)
    return render(
        request,
        "purposes/charter.html",
        {
            "community": community,
            "can_read": can_read(request.user, community),
            "charter": community.charter,
            "offshoots": list(community.offshoots.exclude(state="dissolved").order_by("name")),
            "membership": membership,
            "affirmed": membership is not None
            and membership.affirmed_charter_id == community.charter_id,
        },
    )


@login_required
@require_POST
def affirm(request, slug):
    """Affirm (or re-affirm) the charter in force, then go back where the member was."""
    community = get_community_or_404(slug)
    try:
        if community.is_forming:  # an endorsement names the founding revision it read
            founding.check_endorse_founding_charter(
                actor=request.user, community=community, revision=request.POST.get("revision")
            )
        else:
            joining.check_affirm_charter(actor=request.user, community=community)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("You affirmed the charter, version %(v)s.") % {
            "v": community.charter.version})  # fmt: skip
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("purposes:charter", slug=slug)


def charter_history(request, slug):
    community = get_community_or_404(slug)
    return render(
        request,
        "purposes/charter_history.html",
        {
            "community": community,
            "can_read": can_read(request.user, community),
            "versions": selectors.charter_versions(community),
            "membership": current_membership(request.user, community),
        },
    )


def proposal_list(request, slug):
    community = access_community(request.user, slug)
    page = Paginator(selectors.proposals_for_list(community, request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "purposes/proposal_list.html",
        {
            "community": community,
            "can_read": can_read(request.user, community),
            "page": page,
            "membership": current_membership(request.user, community),
            "can_propose": permissions.can_propose(request.user, community),
            "suspended_until": permissions.suspended_until(request.user, community),
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request, slug):
    community = access_community(request.user, slug)
    if not permissions.can_propose(request.user, community):
        raise Http404("Only members may propose")
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in Proposal.Kind.values:
        return render(
            request,
            "purposes/proposal_kind.html",
            {"community": community, "can_read": True, "offshoot_url": offshoot_url(community)},
        )
    form = ProposalForm(
        request.POST or None,
        kind=kind,
        charter=community.charter,
        community=community,
        actor=request.user,
    )
    if request.method == "POST" and form.is_valid():
        if limited := ratelimits.hit(user=request.user, action="proposal"):  # 3 a day (issue 6)
            ctx = {"community": community, "form": form, "kind": Proposal.Kind(kind)}
            ctx["proposal"] = None
            return ratelimits.refuse(
                request, "purposes/proposal_form.html", ctx, form=form, limited=limited
            )
        try:
            proposal = actions.check_create_proposal(
                actor=request.user,
                community=community,
                kind=kind,
                title=form.cleaned_data["title"],
                rationale=form.cleaned_data["rationale"],
                proposed=form.proposed(),
                target=form.cleaned_data.get("target"),
            )
        except ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Draft saved. Check the change, then submit it."))
            return redirect(proposal)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "purposes/proposal_form.html",
        {
            "community": community,
            "can_read": True,
            "form": form,
            "kind": Proposal.Kind(kind),
            "proposal": None,
        },  # fmt: skip
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, slug, proposal_id):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if not permissions.can_revise(request.user, proposal):
        raise Http404("Not revisable")
    initial = {
        "title": proposal.title,
        "rationale": proposal.rationale,
        "purpose": proposal.purpose,
        "goals": "\n".join(proposal.goals),
        **proposal.rules,
    }
    form = ProposalForm(
        request.POST or None,
        kind=proposal.kind,
        charter=proposal.base_charter,
        community=proposal.community,
        actor=request.user,
        initial=initial,
    )
    if proposal.kind in Proposal.TARGET_KINDS:
        del form.fields["target"]  # the member a proposal concerns is fixed when drafted
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_revise_proposal(
                actor=request.user,
                proposal=proposal,
                title=form.cleaned_data["title"],
                rationale=form.cleaned_data["rationale"],
                proposed=form.proposed(),
            )
        except ProposalError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Proposal revised."))
            return redirect(proposal)
    return render(
        request,
        "purposes/proposal_form.html",
        {"community": proposal.community, "can_read": True, "form": form,
         "kind": Proposal.Kind(proposal.kind), "proposal": proposal,
         "seconds_count": selectors.live_seconds(proposal).count()},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip


def _timeline(proposal: Proposal) -> list[dict]:
    State = Proposal.State
    order = [State.SEEKING, State.DISCUSSION, State.VOTING, "outcome"]
    position = {State.DRAFT: -1, State.SEEKING: 0, State.DISCUSSION: 1, State.VOTING: 2}
    here = position.get(proposal.state, 3)
    outcome_label = proposal.get_state_display() if proposal.state not in position else _("outcome")
    labels = [_("seeking seconds"), _("discussion"), _("voting"), outcome_label]
    times = [
        (proposal.submitted_at, None),
        (proposal.discussion_started_at, proposal.discussion_ends_at),
        (proposal.voting_started_at, proposal.voting_ends_at),
        (proposal.closed_at or proposal.withdrawn_at, None),
    ]

    def status(i: int, start) -> str:
        if i == here:
            return "current"
        if i > here:
            return "upcoming"
        return "done" if start else "skipped"  # a withdrawn proposal never got there

    return [
        {"label": label, "key": key, "started": start, "ends": ends, "status": status(i, start)}
        for i, (key, label, (start, ends)) in enumerate(zip(order, labels, times, strict=True))
    ]


def _proposal_context(request, proposal: Proposal, vote_form=None) -> dict:
    user = request.user
    community = proposal.community
    membership = current_membership(user, community)
    history = selectors.vote_history(proposal, user)
    my_vote = history[0] if history and history[0].is_live else None
    voting = proposal.state == Proposal.State.VOTING
    suspended_until = permissions.suspended_until(user, community)
    voter = membership is not None and selectors.in_electorate(proposal, user)
    # A suspended voter: the page says why instead of offering the form.
    can_vote = voting and voter and suspended_until is None
    seconds = list(selectors.live_seconds(proposal).select_related("user"))
    rule = proposal.decision_rule(community.charter)
    revisions = selectors.revisions(proposal) if proposal.submitted_at else []
    return {
        "community": community,
        "can_read": can_read(request.user, community),
        "proposal": proposal,
        "membership": membership,
        "diff": selectors.proposal_diff(proposal),
        "rule": rule,
        "timeline": _timeline(proposal),
        "seconds": seconds,
        "seconds_needed": community.charter.seconds_required,
        "live_seconds": len(seconds),
        "votes_cast": _votes_cast(proposal),
        "has_seconded": any(s.user_id == user.pk for s in seconds),
        "votes": (
            selectors.vote_reasons_page(proposal, request.GET.get("votes"))
            if proposal.voting_started_at
            else None
        ),
        "history": history,
        "my_vote": my_vote,
        "can_vote": can_vote,
        "electorate_standing": selectors.electorate_standing(proposal, membership, voter=voter),
        "vote_form": vote_form
        or VoteForm(
            initial={"choice": my_vote.choice, "reason": my_vote.reason} if my_vote else None
        ),
        "tally": proposal.tally(),
        "quorum_needed": proposal.tally().quorum_needed(rule) if proposal.tally() else None,
        "thread_url": actions.discussion_thread_url(proposal=proposal),
        "revisions": revisions,
        # Why a proposal seeks seconds again: the revision that withdrew them.
        "seconds_reset": next((r for r in reversed(revisions) if r.seconds_reset), None)
        if proposal.state == Proposal.State.SEEKING
        else None,
        "suspended_until": suspended_until,
        "can_submit": permissions.can_submit(user, proposal),
        "can_redraft": permissions.can_redraft(user, proposal),
        "outdated": proposal.is_charter_change and proposal.base_charter_id != community.charter_id,
        "can_second": permissions.can_second(user, proposal),
        "can_withdraw": permissions.can_withdraw(user, proposal),
        "can_revise": permissions.can_revise(user, proposal),
        "can_rebase": permissions.can_rebase(user, proposal),
        "can_accept": permissions.can_accept_nomination(user, proposal),
        "is_proposer": permissions.is_proposer(user, proposal),
        "now": timezone.now(),
    }


def proposal(request, slug, proposal_id):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    return render(request, "purposes/proposal.html", _proposal_context(request, proposal))


def _live_context(proposal: Proposal, *, shown: str = "") -> dict:
    """What the status line needs, counted as cheaply as it can be: the seconds only while
    they are sought, the votes only once closed (the ballot is secret until then)."""
    return {
        "community": proposal.community,
        "proposal": proposal,
        "shown": shown,
        "live_seconds": selectors.live_seconds(proposal).count()
        if proposal.state == Proposal.State.SEEKING
        else None,
        "seconds_needed": proposal.community.charter.seconds_required
        if proposal.state == Proposal.State.SEEKING
        else None,
        "votes_cast": _votes_cast(proposal),
    }


def _votes_cast(proposal: Proposal) -> int | None:
    tally = proposal.tally() if proposal.is_closed else None
    return tally.for_count + tally.against_count + tally.abstain_count if tally else None


@require_GET
def proposal_live(request, slug, proposal_id):
    """The status line an open proposal's page polls (stage, seconds; votes once closed)."""
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    shown = request.GET.get("shown", "")
    shown = shown if shown in Proposal.State.values else ""
    context = _live_context(proposal, shown=shown)
    return render(request, "purposes/proposal.html#live", context)


@login_required
@require_POST
def proposal_step(request, slug, proposal_id, step):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if step == "redraft":
        try:
            new = actions.check_redraft_proposal(actor=request.user, proposal=proposal)
        except ProposalError as error:
            messages.error(request, error.message)
            return redirect(proposal)
        messages.success(request, _("A new draft on the current charter: check and submit it."))
        return redirect(new)
    if step not in STEPS:
        raise Http404("No such step")
    action, done = STEPS[step]
    try:
        action(actor=request.user, proposal=proposal)
    except ProposalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(proposal)


@login_required
@require_POST
def vote(request, slug, proposal_id):
    """Cast or change a vote. htmx gets the vote panel back; a plain POST a redirect."""
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    form = VoteForm(request.POST)
    error = None
    if form.is_valid():
        try:
            actions.check_cast_vote(
                actor=request.user,
                proposal=proposal,
                choice=form.cleaned_data["choice"],
                reason=form.cleaned_data["reason"],
            )
        except ProposalError as exc:
            error = exc.message
            form.add_error(None, error)
    if request.htmx:
        ok = form.is_valid() and error is None
        context = _proposal_context(request, proposal, vote_form=None if ok else form)
        context["just_voted"] = ok
        # The panel in place, and the reasons list out of band (a new reason shows at once).
        html = render_to_string("purposes/proposal.html#vote-panel", context, request)
        html += render_to_string(
            "purposes/proposal.html#vote-reasons", {**context, "oob": True}, request
        )
        return HttpResponse(html, status=200 if ok else 422)
    if form.is_valid() and error is None:
        messages.success(request, _("Your vote is recorded. You can change it until the close."))
        return redirect(proposal)
    context = _proposal_context(request, proposal, vote_form=form)
    return render(request, "purposes/proposal.html", context, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def offshoot(request, slug):
    """Start a new community from this one: the founding form, pre-filled with a copy of
    this community's charter (R4)."""
    parent = access_community(request.user, slug)
    if current_membership(request.user, parent) is None or parent.is_dissolved:
        raise Http404("Only members may start a community from this one")
    community_form = CommunityForm(request.POST or None, prefix="community")
    charter_form = CharterForm(
        request.POST or None, initial=CharterForm.initial_from(parent.charter), prefix="charter"
    )
    if request.method == "POST" and community_form.is_valid() and charter_form.is_valid():
        data = community_form.cleaned_data
        try:
            child = actions.check_start_offshoot(
                actor=request.user, parent=parent, name=data["name"], slug=data["slug"],
                tagline=data["tagline"], visibility=data["visibility"],
                charter=charter_form.cleaned_data,
            )  # fmt: skip
        except ValidationError as error:
            community_form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is founded, grown out of %(parent)s.") % {
                "name": child.name, "parent": parent.name})  # fmt: skip
            return redirect(child)
    return render(
        request,
        "purposes/offshoot.html",
        {"community": parent, "can_read": True, "community_form": community_form,
         "charter_form": charter_form, "membership": current_membership(request.user, parent)},
        status=400 if request.method == "POST" else 200,
    )  # fmt: skip
