"""Moderation pages (issue 6): the public log and the review queue, flagging a post,
reviewing it, suspending a member, appeals and their juries, and the staff takedown.

Shape: parse → access → action → render. Reading follows the community's visibility
(``access_community``: the log is public in public communities, members-only otherwise);
every write goes through ``moderation``, which refuses what a role may not do.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from community import ratelimits, selectors
from community.permissions import access_community, get_community_or_404
from core.fields import TextFormField
from members.permissions import current_membership, has_moderators
from moderation.appeals import (
    appeal_tally,
    check_answer_jury,
    check_cast_jury_vote,
    check_file_appeal,
    ensure_may_appeal,
    my_appealable,
    open_appeals,
)
from moderation.flags import MAX_NOTE_CHARS, check_flag_post, flag_threshold
from moderation.log import log_page
from moderation.models import Appeal, Flag, JuryMember, ModerationAction
from moderation.permissions import can_flag, can_moderate, can_take_down
from moderation.review import (
    Decision,
    check_review_post,
    check_vote_restore,
    in_queue,
    may_see_hidden_text,
    may_see_queue,
    moderators_review,
    review_queue,
    review_refusal,
)
from moderation.suspensions import MAX_SUSPENSION_DAYS, check_suspend_member
from moderation.takedowns import check_review_for_takedown, check_take_down

# --- Forms --------------------------------------------------------------------------------


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Why are you flagging this post?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    charter_point = forms.ChoiceField(
        label=gettext_lazy("Which goal or rule does it stray from?"),
        required=False,
        help_text=gettext_lazy("Only for off-purpose posts."),
    )
    note = TextFormField(
        label=gettext_lazy("Anything the reviewers should know"),
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Needed when you choose “something else”."),
    )

    def __init__(self, *args, points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["charter_point"].choices = [("", _("— choose —"))] + [(p, p) for p in points]


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Your decision"),
        error_messages={
            "required": gettext_lazy("Choose whether to restore the post or keep it hidden.")
        },
        choices=[
            (Decision.RESTORE, gettext_lazy("Restore it (dismiss the flags)")),
            (Decision.KEEP_HIDDEN, gettext_lazy("Keep it hidden")),
        ],
        widget=forms.RadioSelect,
    )
    reason = TextFormField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Needed to keep it hidden. The author and every member read it in the log."
        ),
    )


class SuspendForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Member’s username"), max_length=150)
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_SUSPENSION_DAYS}),
        help_text=gettext_lazy("From 1 to 14. For longer, propose removing the member."),
    )
    reason = TextFormField(
        label=gettext_lazy("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to the member and in the public log."),
    )


class AppealForm(forms.Form):
    statement = TextFormField(
        label=gettext_lazy("Your statement to the jury"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("Why should the decision be reversed? At most 2,000 characters."),
    )


class TakedownForm(forms.Form):
    reason = TextFormField(
        label=gettext_lazy("Legal or abuse reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown in the community’s public moderation log."),
    )


def _add_errors(form, error: ValidationError) -> None:
    for name, errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


def _refused(request, error: PermissionDenied, *, community, status=403):
    message = str(error) or _("You may not do that here.")
    if request.htmx:
        return render(request, "moderation/refused.html#refusal", {"message": message})
    return render(
        request,
        "moderation/refused.html",
        {"community": community, "message": message},
        status=status,
    )


def _post_in(community, post_id):
    return selectors.get_post_or_404(community=community, post_id=post_id)


def _bad(request) -> int:
    """400 for a form sent back with errors (htmx swaps it in too: base.html's htmx-config)."""
    return 400


# --- The log and the queue ----------------------------------------------------------------


@require_GET
def moderation_home(request, slug):
    """/c/<slug>/moderation/: the queue (for those who review), open appeals, the log."""
    community = access_community(request.user, slug)
    user = request.user
    may_review = may_see_queue(user, community)
    context = {
        "community": community,
        "log": log_page(community=community, page_number=request.GET.get("page")),
        "queue": review_queue(community=community, user=user) if may_review else None,
        "appeals": open_appeals(community=community),
        "appealable": my_appealable(user=user, community=community),
        "moderates": can_moderate(user, community),
        "has_moderators": has_moderators(community),
        "membership": current_membership(user, community),
        "can_take_down": can_take_down(user),
        "threshold": flag_threshold(community),
    }
    return render(request, "moderation/home.html", context)


# --- Flags --------------------------------------------------------------------------------


def _charter_points(community) -> list[str]:
    charter = community.charter
    if charter is None:
        return []
    return [_("Goal: %(goal)s") % {"goal": goal} for goal in charter.goals] + [
        _("The charter’s purpose"),
        _("Another rule of the charter"),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def flag_post(request, slug, post_id):
    """GET: the flag form (a page, or a fragment under the post for htmx). POST: the flag."""
    community = access_community(request.user, slug)
    post = _post_in(community, post_id)
    form = FlagForm(request.POST or None, points=_charter_points(community))
    template = "moderation/_flag_form.html" if request.htmx else "moderation/flag.html"
    context = {"community": community, "post": post, "form": form}
    if not can_flag(request.user, post):
        try:
            check_flag_post(actor=request.user, post=post, reason="")
        except PermissionDenied as error:
            return _refused(request, error, community=community)
        except ValidationError as error:
            if not form.is_bound:  # a GET or an empty POST: nothing typed, so say why not
                refusal = PermissionDenied(" ".join(error.messages))
                return _refused(request, refusal, community=community)
            _add_errors(form, error)
            return render(request, template, context, status=_bad(request))
    if request.method == "GET" or not form.is_valid():
        status = _bad(request) if request.method == "POST" else 200
        return render(request, template, context, status=status)
    if limited := ratelimits.hit(user=request.user, action="flag"):
        return ratelimits.refuse(request, template, context, form=form, limited=limited)
    try:
        flag = check_flag_post(actor=request.user, post=post, **form.cleaned_data)
    except PermissionDenied as error:
        return _refused(request, error, community=community)
    except ValidationError as error:
        _add_errors(form, error)
        return render(request, template, context, status=_bad(request))
    context["flag"] = flag
    post.refresh_from_db(fields=["moderation_state"])
    if request.htmx:
        return render(request, "moderation/_flag_done.html", context)
    messages.success(
        request,
        _("Thank you: the post is flagged and now hidden while members review it.")
        if post.is_hidden
        else _("Thank you: the post is flagged. Reviewers will look at it."),
    )
    return redirect(post.get_absolute_url())


# --- Review -------------------------------------------------------------------------------


def _review_context(request, community, post, form) -> dict:
    return {
        "community": community,
        "post": post,
        "form": form,
        "flags": list(Flag.objects.filter(post=post).select_related("flagger")),
        "history": list(
            ModerationAction.objects.filter(post=post).select_related("actor").order_by("-id")
        ),
        "refusal": review_refusal(request.user, post),
        "in_queue": in_queue(post),
        "moderated": moderators_review(post),
        "has_moderators": has_moderators(community),
        "show_text": may_see_hidden_text(request.user, post) or not post.is_hidden,
        "restore_votes": post.restore_votes.count(),
        "threshold": flag_threshold(community),
    }


@login_required
@require_http_methods(["GET", "POST"])
def review(request, slug, post_id):
    """One queued post: its flags and history, and the decision (moderators) or the
    restore vote (members, where there is no moderator)."""
    community = access_community(request.user, slug)
    post = _post_in(community, post_id)
    if not may_see_queue(request.user, community):
        return _refused(
            request,
            PermissionDenied(_("Only this community’s reviewers can open its review queue.")),
            community=community,
        )
    deciding = request.method == "POST" and "restore_vote" not in request.POST
    form = ReviewForm(request.POST if deciding else None)
    if request.method == "POST":
        try:
            if "restore_vote" in request.POST:
                check_vote_restore(actor=request.user, post=post)
                messages.success(request, _("Your vote to restore the post is counted."))
                return redirect("moderation:review", slug=slug, post_id=post.pk)
            if form.is_valid():
                check_review_post(actor=request.user, post=post, **form.cleaned_data)
                messages.success(request, _("Your decision is applied and in the log."))
                return redirect("moderation:home", slug=slug)
        except PermissionDenied as error:
            return _refused(request, error, community=community)
        except ValidationError as error:
            _add_errors(form, error)
        context = _review_context(request, community, post, form)
        return render(request, "moderation/review.html", context, status=400)
    context = _review_context(request, community, post, form)
    return render(request, "moderation/review.html", context)


# --- Suspensions --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def suspend(request, slug):
    community = access_community(request.user, slug)
    if not can_moderate(request.user, community):
        return _refused(
            request,
            PermissionDenied(_("Only elected moderators in term can suspend members.")),
            community=community,
        )
    form = SuspendForm(request.POST or None, initial={"username": request.GET.get("member", "")})
    status = 200
    if request.method == "POST":
        status = 400
        try:
            if form.is_valid():
                check_suspend_member(actor=request.user, community=community, **form.cleaned_data)
                status = 302
        except PermissionDenied as error:
            return _refused(request, error, community=community)
        except ValidationError as error:
            _add_errors(form, error)
        if status == 302:
            messages.success(request, _("The member is suspended; it is in the log."))
            return redirect("moderation:home", slug=slug)
    context = {"community": community, "form": form, "max_days": MAX_SUSPENSION_DAYS}
    return render(request, "moderation/suspend.html", context, status=status)


# --- Appeals ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def appeal_new(request, slug, action_id):
    """Appeal one decision (``action_id``: the log entry that kept a post hidden or
    suspended the member)."""
    community = access_community(request.user, slug)
    decision = get_object_or_404(
        ModerationAction.objects.select_related("post__thread", "community", "actor"),
        pk=action_id,
        community=community,
    )
    if decision.post is not None:
        decision.post.thread.community = community
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
        return _refused(request, error, community=community)
    except ValidationError as error:
        if not form.is_bound:  # errors go on a bound form; the statement stays as typed
            form = AppealForm({"statement": request.POST.get("statement", "")})
            form.is_valid()
        _add_errors(form, error)
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
    return appeal


@require_http_methods(["GET", "POST"])
def appeal(request, slug, appeal_id):
    """An appeal: the decision, the statement, the judges and, for a judge, the panel to
    accept or decline the seat and to vote."""
    community = access_community(request.user, slug)
    item = _appeal_or_404(community, appeal_id)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"/accounts/login/?next={request.path}")
        answer = request.POST.get("answer")
        try:
            if answer in ("accept", "decline"):
                check_answer_jury(actor=request.user, appeal=item, accept=answer == "accept")
            else:
                check_cast_jury_vote(
                    actor=request.user, appeal=item, vote=request.POST.get("vote", "")
                )
        except PermissionDenied as error:
            return _refused(request, error, community=community)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Thank you: your answer is recorded."))
        return redirect("moderation:appeal", slug=slug, appeal_id=item.pk)
    seats = list(item.jurors.select_related("user"))
    mine = next((s for s in seats if s.user_id == request.user.pk), None)
    if item.post is not None:
        item.post.thread.community = community
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


# --- Platform takedown --------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def takedown(request, slug, post_id):
    """Staff only. Found by address even in a members-only community (a legal request
    names the content), but only staff get past the check; others see a 404."""
    if not can_take_down(request.user):
        community = access_community(request.user, slug)
        refusal = PermissionDenied(_("Only platform staff can take content down."))
        return _refused(request, refusal, community=community)
    community = get_community_or_404(slug)
    post = _post_in(community, post_id)
    # A members-only post is shown only once staff ask to read it: that read is logged.
    reviewing = request.method == "POST" and "review" in request.POST
    if reviewing:
        check_review_for_takedown(actor=request.user, post=post)
    form = TakedownForm(None if reviewing else (request.POST or None))
    status = 200
    if form.is_bound and form.is_valid():
        try:
            check_take_down(actor=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
            status = 400
        else:
            messages.success(request, _("The post is taken down; the reason is in the log."))
            return redirect("moderation:home", slug=slug)
    context = {"community": community, "post": post, "form": form}
    context["show_text"] = community.is_public or reviewing
    return render(request, "moderation/takedown.html", context, status=status)
