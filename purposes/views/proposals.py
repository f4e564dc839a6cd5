"""The proposal pages: the list, drafting and revising, a proposal with its seconds,
discussion and vote, the steps its proposer and members take, and the vote itself.

Thin views (CONVENTIONS rule 6): parse → access → action → render. Every POST works
without JavaScript (post/redirect/get); the vote panel is swapped in place for htmx.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from community import ratelimits
from community.permissions import access_community, can_read
from core.web import act, say_error
from members.permissions import current_membership
from purposes import permissions, selectors
from purposes.charter_diff import diff_charters
from purposes.drafting import (
    check_accept_nomination,
    check_create_proposal,
    check_rebase_proposal,
    check_redraft_proposal,
    check_revise_proposal,
    check_submit_proposal,
    check_withdraw_proposal,
)
from purposes.forms import BallotForm, DeclineAmendmentForm, ProposalForm, VoteForm
from purposes.guards import ProposalError
from purposes.methods.record import ballots_csv, from_json
from purposes.methods.result import rounds_csv
from purposes.models import Proposal, Vote, rule_labels
from purposes.seconds import check_second_proposal, discussion_thread_url
from purposes.tally import quorum_needed
from purposes.voting import (
    check_cast_ballot,
    check_cast_consent,
    check_cast_secret,
    check_cast_vote,
    check_withdraw_objection,
)

STEPS = {
    "submit": (check_submit_proposal, _("Your proposal is now seeking seconds.")),
    "second": (check_second_proposal, _("You seconded this proposal.")),
    "withdraw": (check_withdraw_proposal, _("You withdrew the proposal.")),
    "accept": (check_accept_nomination, _("You accepted the nomination.")),
    "rebase": (check_rebase_proposal, _("The proposal now builds on the current charter.")),
    "withdraw-objection": (check_withdraw_objection, _("You withdrew your objection.")),
}


def offshoot_url(community) -> str:
    """Where "start a new community from this one" goes: the founding form, pre-filled."""
    return f"{reverse('purposes:offshoot', kwargs={'slug': community.slug})}"


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
@ratelimits.rate_limited("proposal")
def proposal_new(request, slug):
    community = access_community(request.user, slug)
    if not permissions.can_propose(request.user, community):
        raise Http404("Only members may propose")
    kind = request.GET.get("kind") or request.POST.get("kind")
    if kind not in Proposal.Kind.values:
        context = {"community": community, "can_read": True}
        context["offshoot_url"] = offshoot_url(community)
        context["decided"] = community.charter.method_words()
        return render(request, "purposes/proposal_kind.html", context)
    form = ProposalForm(
        request.POST or None, kind=kind, charter=community.charter, community=community,
        actor=request.user, alternatives=community.charter.method_for(kind).several_options,
    )  # fmt: skip
    valid = request.method == "POST" and form.is_valid()
    proposal = (
        valid and not request.rate_limit.exceeded(form=form) and _create(request, community, form)
    )
    if proposal:
        messages.success(request, _("Draft saved. Check the change, then submit it."))
        return redirect(proposal)
    context = {"community": community, "can_read": True, "form": form, "proposal": None}
    context["kind"] = Proposal.Kind(kind)
    status = 400 if request.method == "POST" else 200
    return render(request, "purposes/proposal_form.html", context, status=status)


def _create(request, community, form: ProposalForm) -> Proposal | None:
    """The draft, or None with the action's refusal on the form."""
    data = form.cleaned_data
    return act(
        form, check_create_proposal, actor=request.user, community=community, kind=form.kind,
        title=data["title"], rationale=data["rationale"], proposed=form.proposed(),
        target=data.get("target"), alternatives=form.alternatives(),
        new_home=data.get("new_home", ""),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request, slug, proposal_id):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if not permissions.can_revise(request.user, proposal):
        raise Http404("Not revisable")
    initial = {"title": proposal.title, "rationale": proposal.rationale}
    initial |= {"purpose": proposal.purpose, "goals": "\n".join(proposal.goals), **proposal.rules}
    form = ProposalForm(
        request.POST or None, kind=proposal.kind, charter=proposal.base_charter,
        community=proposal.community, actor=request.user, initial=initial,
    )  # fmt: skip
    if proposal.kind in Proposal.TARGET_KINDS:
        del form.fields["target"]  # the member a proposal concerns is fixed when drafted
    form.fields.pop("new_home", None)  # so is a move's new home: another is another proposal
    data = request.method == "POST" and form.is_valid() and form.cleaned_data
    if data and act(
        form, check_revise_proposal, actor=request.user, proposal=proposal, title=data["title"],
        rationale=data["rationale"], proposed=form.proposed(),
    ):  # fmt: skip
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


def _receipt_cookie(proposal: Proposal) -> str:
    return f"commons-receipt-{proposal.pk}"


def _method_context(request, proposal: Proposal, my_vote, ballot_form) -> dict:
    """How the proposal is decided (before anyone votes) and, once closed, the count."""
    method = proposal.deciding_method()
    secret = proposal.decided_in_secret()
    several = method.several_options
    alts = selectors.alternatives(proposal) if several else []
    for alt in alts:
        # A declined amendment on the ballot may change goals and rules too: its diff.
        alt.diff = (
            diff_charters(proposal.base_charter.text(), alt.text(proposal), rule_labels())
            if alt.amendment_id is not None
            else None
        )
    options = selectors.ballot_options(proposal, alts) if several else {}
    quorum_votes = (
        quorum_needed(proposal.quorum_percent, proposal.active_electorate_size or 0)
        if proposal.voting_started_at and proposal.quorum_percent is not None
        else None
    )
    result = from_json(proposal.result) if proposal.result else None
    if ballot_form is None and method.counted_by != "majority":
        initial = BallotForm.initial_from(my_vote, method.name)
        ballot_form = BallotForm(method=method.name, options=options, initial=initial)
    return {
        "method": method,
        "by_method": method.counted_by != "majority",
        "options": options,
        "alternatives": alts,
        "quorum_votes": quorum_votes,
        "ballot_form": ballot_form,
        "my_ballot": _ballot_words(my_vote, options),
        "secret": secret,
        # The voter's receipt key lives in their browser only (a cookie for this proposal).
        "receipt": request.COOKIES.get(_receipt_cookie(proposal), "")
        if secret and my_vote and proposal.state == Proposal.State.VOTING
        else "",
        "ballots": _ballots_page(request, proposal, options) if secret else None,
        "result": result,
        "result_rounds": _rounds(result) if result else [],
        "result_ties": [t.describe(dict(result.labels)) for t in result.tie_breaks]
        if result
        else [],
    }


BALLOTS_PER_PAGE = 50


def _ballots_page(request, proposal: Proposal, options: dict):
    """A page of a closed secret vote's published ballots, each with its words."""
    if not proposal.is_closed:
        return None
    page = Paginator(selectors.published_ballots(proposal), BALLOTS_PER_PAGE).get_page(
        request.GET.get("ballots")
    )
    page.object_list = list(page.object_list)
    for ballot in page.object_list:
        ballot.words = _ballot_words(ballot, options) or Vote.Choice(ballot.choice).label
    return page


def _ballot_words(vote, options: dict) -> str:
    """A several-option ballot in words: a member's own live one, for their eyes only, or
    a published secret one."""
    if vote is None or not isinstance(vote.ballot, list | dict):
        return ""
    if isinstance(vote.ballot, dict):
        return "; ".join(f"{options.get(o, o)}: {n}" for o, n in vote.ballot.items())
    return ", then ".join(options.get(o, o) for o in vote.ballot)


def _rounds(result) -> list[dict]:
    rows = []
    for r in result.rounds:
        lines = [
            {
                "label": result.labels.get(option, option),
                "votes": votes,
                "status": "elected"
                if option == r.elected
                else "eliminated"
                if option in r.eliminated
                else "",
            }
            for option, votes in r.counts.items()
        ]
        rows.append({"number": r.number, "lines": lines, "exhausted": r.exhausted})
    return rows


def proposal_page_context(request, proposal: Proposal, vote_form=None, ballot_form=None) -> dict:
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
        "thread_url": discussion_thread_url(proposal=proposal),
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
        "amendments": _amendments(user, proposal),
        "can_amend": permissions.can_amend(user, proposal),
        "can_decide_amendment": permissions.can_decide_amendment(user, proposal),
        "is_proposer": permissions.is_proposer(user, proposal),
        "now": timezone.now(),
        **_method_context(request, proposal, my_vote, ballot_form),
    }


def _amendments(user, proposal: Proposal) -> list:
    """The proposal's amendments with their diffs, each marked with what the viewer may
    do with it (``can_carry``) and a decline form for the proposer."""
    rows = selectors.amendments(proposal)
    for row in rows:
        row.can_carry = permissions.can_carry_amendment(user, row, proposal)
        row.decline_form = DeclineAmendmentForm(auto_id=f"id_decline_{row.pk}_%s")
    return rows


def proposal(request, slug, proposal_id):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    return render(request, "purposes/proposal.html", proposal_page_context(request, proposal))


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
            new = check_redraft_proposal(actor=request.user, proposal=proposal)
        except ProposalError as error:
            say_error(request, error)
            return redirect(proposal)
        messages.success(request, _("A new draft on the current charter: check and submit it."))
        return redirect(new)
    if step not in STEPS:
        raise Http404("No such step")
    action, done = STEPS[step]
    try:
        action(actor=request.user, proposal=proposal)
    except ProposalError as error:
        say_error(request, error)
    else:
        messages.success(request, done)
    return redirect(proposal)


@login_required
@require_POST
def vote(request, slug, proposal_id):
    """Cast or change a vote. htmx gets the vote panel back; a plain POST a redirect."""
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if proposal.secret:
        return _secret_ballot(request, proposal)
    if proposal.counted_by_method:
        return _ballot(request, proposal)
    form = VoteForm(request.POST)
    ok = form.is_valid() and act(
        form, check_cast_vote, actor=request.user, proposal=proposal,
        choice=form.cleaned_data["choice"], reason=form.cleaned_data["reason"],
    ) is not None  # fmt: skip
    return _voted(request, proposal, ok, vote_form=None if ok else form)


def _ballot(request, proposal: Proposal):
    """A consent vote or a several-option ballot, judged by the voting action."""
    method = proposal.method
    options = selectors.ballot_options(proposal) if method != "consent" else {}
    form = BallotForm(request.POST, method=method, options=options)
    ok = form.is_valid()
    if ok and method == "consent":
        ok = act(
            form, check_cast_consent, actor=request.user, proposal=proposal,
            position=form.ballot(), reason=form.cleaned_data["reason"],
        ) is not None  # fmt: skip
    elif ok:
        ok = act(
            form, check_cast_ballot, actor=request.user, proposal=proposal,
            ballot=form.ballot(), reason=form.cleaned_data["reason"],
        ) is not None  # fmt: skip
    return _voted(request, proposal, ok, ballot_form=None if ok else form)


def _secret_ballot(request, proposal: Proposal):
    """A secret ballot: the same forms without a reason, and the receipt key, from the
    form or from this browser's cookie, to change one's ballot. The new key goes back in
    the cookie (never in a message: those may be kept on the server)."""
    if proposal.counted_by_method:
        options = selectors.ballot_options(proposal)
        form = BallotForm(request.POST, method=proposal.method, options=options)
        forms = {"ballot_form": form}
        shape = form.is_valid() and {"ballot": form.ballot()}
    else:
        form = VoteForm(request.POST)
        forms = {"vote_form": form}
        shape = form.is_valid() and {"choice": form.cleaned_data["choice"]}
    receipt = request.POST.get("receipt", "").strip()
    receipt = receipt or request.COOKIES.get(_receipt_cookie(proposal), "")
    cast = shape and act(
        form, check_cast_secret, actor=request.user, proposal=proposal, receipt=receipt, **shape
    )
    if cast:
        forms = {}
    response = _voted(request, proposal, bool(cast), receipt=cast.receipt if cast else "", **forms)
    if cast:
        response.set_cookie(
            _receipt_cookie(proposal), cast.receipt, path=proposal.get_absolute_url(),
            expires=proposal.voting_ends_at + timedelta(days=1), httponly=True,
            samesite="Lax", secure=request.is_secure(),
        )  # fmt: skip
    return response


def _voted(request, proposal: Proposal, ok: bool, receipt: str = "", **forms):
    if request.htmx:
        context = proposal_page_context(request, proposal, **forms)
        context["just_voted"] = ok
        if receipt:
            context["receipt"] = receipt
        # The panel in place, and the reasons list out of band (a new reason shows at once).
        html = render_to_string("purposes/proposal.html#vote-panel", context, request)
        html += render_to_string(
            "purposes/proposal.html#vote-reasons", {**context, "oob": True}, request
        )
        return HttpResponse(html, status=200 if ok else 422)
    if ok and proposal.secret:
        messages.success(request, _("Your secret ballot is cast. Your receipt key is below."))
        return redirect(proposal)
    if ok:
        messages.success(request, _("Your vote is recorded. You can change it until the close."))
        return redirect(proposal)
    context = proposal_page_context(request, proposal, **forms)
    return render(request, "purposes/proposal.html", context, status=400)


@require_GET
def proposal_ballots_csv(request, slug, proposal_id):
    """The published ballots of a closed secret vote, as CSV, for anyone who may read the
    proposal to recount: one row per ballot, no voter, in the order of their random ids."""
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if not (proposal.secret and proposal.is_closed):
        raise Http404("No published ballots")
    response = HttpResponse(
        ballots_csv((str(b.id), b.choice, b.ballot) for b in selectors.published_ballots(proposal)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"proposal-{proposal.pk}-ballots.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def proposal_count_csv(request, slug, proposal_id):
    """The round-by-round count of a closed proposal, as CSV (anyone who may read it)."""
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if not proposal.result:
        raise Http404("No count to download")
    response = HttpResponse(
        rounds_csv(from_json(proposal.result)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="proposal-{proposal.pk}-count.csv"'
    return response
