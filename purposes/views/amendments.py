"""Amendments to a charter proposal in discussion: proposing one (a page of its own,
pre-filled with the proposal's text), and the proposer accepting or declining it, and its
author putting a declined one to the vote (buttons on the proposal page).

Thin views (CONVENTIONS rule 6): parse → access → action → render; post/redirect/get,
and a refusal re-renders the form with what was typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from community import ratelimits
from core.web import act, say_error
from purposes import permissions, selectors
from purposes.amendments import (
    check_accept_amendment,
    check_carry_amendment,
    check_decline_amendment,
    check_propose_amendment,
)
from purposes.forms import AmendmentForm, DeclineAmendmentForm
from purposes.guards import ProposalError
from purposes.views.proposals import proposal_page_context


@login_required
@require_http_methods(["GET", "POST"])
@ratelimits.rate_limited("amendment")
def amend(request, slug, proposal_id):
    proposal = permissions.access_proposal(request.user, slug, proposal_id)
    if not permissions.can_amend(request.user, proposal):
        raise Http404("Not amendable by this user")
    form = AmendmentForm(request.POST or None, proposal=proposal, actor=request.user)
    data = request.method == "POST" and form.is_valid() and form.cleaned_data
    amendment = (
        data
        and not request.rate_limit.exceeded(form=form)
        and act(
            form,
            check_propose_amendment,
            actor=request.user,
            proposal=proposal,
            proposed=form.proposed(),
            reason=data["rationale"],
        )  # fmt: skip
    )
    if amendment:
        messages.success(request, _("Amendment proposed. The proposer will accept or decline it."))
        return redirect(f"{proposal.get_absolute_url()}#amendment-{amendment.pk}")
    context = {
        "community": proposal.community,
        "can_read": True,
        "form": form,
        "proposal": proposal,
        "diff": selectors.proposal_diff(proposal),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "purposes/amendment_form.html", context, status=status)


@login_required
@require_POST
def amendment_accept(request, slug, proposal_id, amendment_id):
    proposal, amendment = permissions.access_amendment(
        request.user, slug, proposal_id, amendment_id
    )
    try:
        check_accept_amendment(actor=request.user, amendment=amendment)
    except ProposalError as error:
        say_error(request, error)
    else:
        messages.success(
            request, _("Amendment accepted: the proposal has its text; the seconders are told.")
        )
    return redirect(proposal)


@login_required
@require_POST
def amendment_decline(request, slug, proposal_id, amendment_id):
    """The proposer declines with a reason; a refused reason comes back on the proposal
    page with what was typed. Anyone else gets the refusal as a message."""
    proposal, amendment = permissions.access_amendment(
        request.user, slug, proposal_id, amendment_id
    )
    if not permissions.can_decide_amendment(request.user, proposal):
        try:  # refused: the action says why (not the proposer, not in discussion...)
            check_decline_amendment(
                actor=request.user, amendment=amendment, reason=request.POST.get("reason", "")
            )
        except ProposalError as error:
            say_error(request, error)
        return redirect(proposal)
    form = DeclineAmendmentForm(request.POST, auto_id=f"id_decline_{amendment.pk}_%s")
    if form.is_valid() and act(
        form, check_decline_amendment, actor=request.user, amendment=amendment,
        reason=form.cleaned_data["reason"],
    ):  # fmt: skip
        messages.success(request, _("Amendment declined; its author is told why."))
        return redirect(f"{proposal.get_absolute_url()}#amendment-{amendment.pk}")
    context = proposal_page_context(request, proposal)
    for row in context["amendments"]:
        if row.pk == amendment.pk:
            row.decline_form = form  # the reason typed, with what to put right
    return render(request, "purposes/proposal.html", context, status=400)


@login_required
@require_POST
def amendment_carry(request, slug, proposal_id, amendment_id):
    proposal, amendment = permissions.access_amendment(
        request.user, slug, proposal_id, amendment_id
    )
    try:
        check_carry_amendment(actor=request.user, amendment=amendment)
    except ProposalError as error:
        say_error(request, error)
    else:
        messages.success(
            request,
            _(
                "Your amendment is now an option of the vote, beside the proposal and "
                "keeping the current text."
            ),
        )
    return redirect(f"{proposal.get_absolute_url()}#amendment-{amendment.pk}")
