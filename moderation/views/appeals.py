"""Appeals: filing one against a decision, and the appeal's page, where its judges accept
or decline their seat and vote."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from community.permissions import access_community
from core.web import add_errors
from moderation.appeals import check_file_appeal, ensure_may_appeal
from moderation.forms import AppealForm
from moderation.juries import appeal_tally, check_answer_jury, check_cast_jury_vote
from moderation.models import Appeal, JuryMember, ModerationAction
from moderation.review import may_see_hidden_text
from moderation.views.common import refuse


def _decision_or_404(community, action_id) -> ModerationAction:
    decision = get_object_or_404(
        ModerationAction.objects.select_related("post__thread", "community", "actor"),
        pk=action_id,
        community=community,
    )
    if decision.post is not None:
        decision.post.thread.community = community
    return decision


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request, slug, action_id):
    """Appeal one decision (``action_id``: the log entry that kept a post hidden or
    suspended the member)."""
    community = access_community(request.user, slug)
    decision = _decision_or_404(community, action_id)
    form = AppealForm(request.POST or None)
    status = 200
    try:
        if request.method == "POST" and form.is_valid():
            appeal = check_file_appeal(
                actor=request.user, decision=decision, statement=form.cleaned_data["statement"]
            )
            messages.success(request, _("Your appeal is filed; the members drawn are told."))
            return redirect("moderation:appeal", slug=slug, appeal_id=appeal.pk)
        ensure_may_appeal(actor=request.user, decision=decision)
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        if not form.is_bound:  # errors go on a bound form; the statement stays as typed
            form = AppealForm({"statement": request.POST.get("statement", "")})
            form.is_valid()
        add_errors(form, error)
        status = 400
    context = {"community": community, "decision": decision, "form": form}
    return render(request, "moderation/appeal_new.html", context, status=status)


def _appeal_or_404(community, appeal_id) -> Appeal:
    appeal = (
        Appeal.objects.filter(pk=appeal_id, community=community)
        .select_related("appellant", "decision__actor", "post__thread", "community")
        .first()
    )
    if appeal is None:
        raise Http404("No such appeal")
    appeal.community = community
    if appeal.post is not None:
        appeal.post.thread.community = community
    return appeal


@require_http_methods(["GET", "POST"])
def appeal(request, slug, appeal_id):
    """An appeal: the decision, the statement, the judges and, for a judge, the panel to
    accept or decline the seat and to vote."""
    community = access_community(request.user, slug)
    item = _appeal_or_404(community, appeal_id)
    if request.method == "POST":
        return _answer(request, community, item)
    seats = list(item.jurors.select_related("user"))
    mine = next((s for s in seats if s.user_id == request.user.pk), None)
    context = {
        "community": community,
        "appeal": item,
        "seats": seats,
        "seat": mine,
        "tally": appeal_tally(item) if not item.is_open else None,
        "votes": JuryMember.Vote.choices,
        "show_text": item.post is not None
        and (mine is not None or may_see_hidden_text(request.user, item.post)),
    }
    return render(request, "moderation/appeal.html", context)


def _answer(request, community, item: Appeal):
    """A judge accepts or declines the seat (``answer``) or votes (``vote``); what stands
    in the way is said on the appeal's page."""
    if not request.user.is_authenticated:
        return redirect(f"/accounts/login/?next={request.path}")
    answer = request.POST.get("answer")
    try:
        if answer in ("accept", "decline"):
            check_answer_jury(actor=request.user, appeal=item, accept=answer == "accept")
        else:
            check_cast_jury_vote(actor=request.user, appeal=item, vote=request.POST.get("vote", ""))
    except PermissionDenied as error:
        return refuse(request, error, community=community)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you: your answer is recorded."))
    return redirect("moderation:appeal", slug=community.slug, appeal_id=item.pk)
