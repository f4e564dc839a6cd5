"""Writes: each calls the same ``check_*`` action as the page, after the same rate limit,
and answers its refusal with the page's message as ``{"code", "message"}`` (see
``api.views.site``): PermissionDenied is a 403; a ValidationError is a 403 when the actor
does not take part in the community (not a member, suspended), else a 422."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Status

from api.auth import VOTE, WRITE, ApiError, actor
from api.schemas import (
    AmendmentIn,
    AmendmentOut,
    DeclineIn,
    DoneOut,
    EditIn,
    ErrorOut,
    FlagIn,
    FlagOut,
    JoinIn,
    MarkReadIn,
    MembershipOut,
    PostOut,
    ProposalIn,
    ProposalOut,
    ReplyIn,
    ThreadIn,
    ThreadOut,
    VoteIn,
    VoteOut,
)
from api.views.common import (
    community_out,
    post_out,
    rate_limit,
    router,
    thread_out,
    validation_error,
)
from api.views.reads import amendment_out, proposal_out
from community import actions as community_actions
from community import ratelimits
from community import selectors as community_selectors
from community.permissions import access_community, get_community_or_404
from core.text import clean_line
from members import joining
from members.models import Membership
from members.permissions import acting_member, current_membership
from moderation.flags import check_flag_post
from notifications import actions as notification_actions
from purposes import amendments, drafting, seconds, voting
from purposes import selectors as purposes_selectors
from purposes.charter_diff import CharterText
from purposes.methods.charter import MethodsError, validate_methods
from purposes.models import Charter, JoinPolicy, Proposal
from purposes.permissions import access_amendment, access_proposal
from purposes.validation import MAX_GOAL_CHARS, MAX_GOALS, MAX_PURPOSE_CHARS, RULE_BOUNDS

ERRORS = {k: ErrorOut for k in (400, 401, 403, 404, 409, 413, 422, 429)}
MAX_PROPOSAL_TITLE = 140
MAX_RATIONALE = 10_000


def act(action, *, user, where, **arguments):
    """``action(actor=user, **arguments)``; its ValidationError as an API refusal, 403 when
    the actor does not take part in the community ``where`` (the page's message)."""
    try:
        return action(actor=user, **arguments)
    except ValidationError as error:
        status = 422 if acting_member(user, where) is not None else 403
        raise validation_error(error, status) from None


def membership_out(membership: Membership) -> dict:
    return {
        "community": community_out(membership.community),
        "role": membership.role,
        "joined_at": membership.joined_at,
        "suspended_until": membership.suspended_until if membership.is_suspended else None,
        "affirmed_charter_version": (
            membership.affirmed_charter.version if membership.affirmed_charter_id else None
        ),
    }


@router.post(
    "/communities/{slug}/join",
    tags=["write"],
    response={201: MembershipOut, 200: MembershipOut, **ERRORS},
    auth=WRITE,
    summary="Join, affirming the charter version you read",
)
def join(request, slug: str, data: JoinIn):
    user = actor(request)
    community = get_community_or_404(slug)
    already = current_membership(user, community)
    if already is not None:
        return Status(200, membership_out(already))
    charter = community.charter
    if charter is None or data.charter_version != charter.version:
        raise ApiError(
            409,
            "charter_changed",
            _(
                "The charter in force is version %(v)s, not the one you affirmed: read it "
                "and affirm that version."
            )
            % {"v": charter.version if charter else 0},
        )
    try:
        membership = joining.check_join(actor=user, community=community, affirmed=True)
    except ValidationError as error:
        raise validation_error(error) from None
    return Status(201, membership_out(membership))


@router.post(
    "/communities/{slug}/leave",
    tags=["write"],
    response={200: DoneOut, **ERRORS},
    auth=WRITE,
    summary="Leave (your posts stay)",
)
def leave(request, slug: str):
    community = get_community_or_404(slug)
    try:
        joining.check_leave(actor=actor(request), community=community)
    except ValidationError as error:
        raise validation_error(error) from None
    return {"ok": True}


def links_or_error(user, community, body: str) -> None:
    if message := ratelimits.link_error(user=user, community=community, body=body):
        raise validation_error(ValidationError({"body": message}))


@router.post(
    "/communities/{slug}/threads",
    tags=["write"],
    response={201: ThreadOut, **ERRORS},
    auth=WRITE,
    summary="Start a thread",
)
def start_thread(request, slug: str, data: ThreadIn):
    user = actor(request)
    community = access_community(user, slug)
    community_actions.ensure_can_post(actor=user, community=community)
    links_or_error(user, community, data.body)
    rate_limit(user, "thread", community=community, token=data.client_token)
    made = act(
        community_actions.check_create_thread, user=user, where=community, community=community,
        title=data.title, body=data.body, goal=data.goal, client_token=data.client_token,
    )  # fmt: skip
    made.community = community
    return Status(201, thread_out(made))


def shown(post) -> dict:
    post.show_text = True  # its author sees what they wrote
    return post_out(post)


@router.post(
    "/communities/{slug}/threads/{thread_id}/posts",
    tags=["write"],
    response={201: PostOut, **ERRORS},
    auth=WRITE,
    summary="Reply to a post of the thread",
)
def reply(request, slug: str, thread_id: int, data: ReplyIn):
    user = actor(request)
    community = access_community(user, slug)
    thread = community_selectors.get_thread_or_404(community=community, thread_id=thread_id)
    community_actions.ensure_can_post(actor=user, community=community)
    links_or_error(user, community, data.body)
    rate_limit(user, "post", community=community, token=data.client_token)
    post = act(
        community_actions.check_reply, user=user, where=community, thread=thread,
        parent_id=data.parent_id, body=data.body, client_token=data.client_token,
    )  # fmt: skip
    return Status(201, shown(post))


@router.patch(
    "/communities/{slug}/posts/{post_id}",
    tags=["write"],
    response={200: PostOut, **ERRORS},
    auth=WRITE,
    summary="Edit your post (and the title, for an opening post); the old version is kept",
)
def edit(request, slug: str, post_id: int, data: EditIn):
    user = actor(request)
    community = access_community(user, slug)
    post = community_selectors.get_post_or_404(community=community, post_id=post_id)
    community_actions.ensure_author(actor=user, post=post)
    rate_limit(user, "edit")
    post = act(
        community_actions.check_edit_post, user=user, where=community, post=post,
        body=data.body, title=data.title,
    )  # fmt: skip
    return shown(post)


@router.post(
    "/communities/{slug}/posts/{post_id}/flags",
    tags=["write"],
    response={201: FlagOut, **ERRORS},
    auth=WRITE,
    summary="Flag someone else's post",
)
def flag(request, slug: str, post_id: int, data: FlagIn):
    user = actor(request)
    community = access_community(user, slug)
    post = community_selectors.get_post_or_404(community=community, post_id=post_id)
    rate_limit(user, "flag")
    made = act(
        check_flag_post, user=user, where=community, post=post, reason=data.reason,
        charter_point=data.charter_point, note=data.note,
    )  # fmt: skip
    shown_state = post.moderation_state or "visible"
    return Status(
        201, {"id": made.pk, "post_id": post.pk, "reason": made.reason, "post_state": shown_state}
    )


def invalid(field: str, message: str) -> ApiError:
    return validation_error(ValidationError({field: message}))


def rule_error(name: str, value) -> str | None:
    if name not in Charter.RULE_FIELDS:
        return _("Not a rule of the charter.")
    if name == "join_policy":
        return None if value in JoinPolicy.values else _("Choose open, application or invitation.")
    if name == "methods":
        try:
            validate_methods(value)
        except MethodsError as error:
            return str(error)
        return None
    if name == "amendments_to_vote":
        return None if isinstance(value, bool) else _("Say true or false.")
    low, high = RULE_BOUNDS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return _("Choose a whole number from %(low)s to %(high)s.") % {"low": low, "high": high}
    return None


def with_purpose(purpose: str | None, goals: list[str] | None, text: CharterText) -> CharterText:
    """``text`` with the purpose and goals given (those left out kept), checked as the
    proposal form checks them."""
    purpose = (purpose if purpose is not None else text.purpose).strip()
    goals = text.goals if goals is None else [clean_line(g) for g in goals]
    goals = [goal for goal in goals if goal]
    if not purpose:
        raise invalid("purpose", _("This field is required."))
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise invalid(
            "purpose", _("Keep the purpose to %(n)s characters.") % {"n": MAX_PURPOSE_CHARS}
        )
    if len(goals) > MAX_GOALS:
        raise invalid("goals", _("At most %(n)s goals.") % {"n": MAX_GOALS})
    if any(len(goal) > MAX_GOAL_CHARS for goal in goals):
        raise invalid(
            "goals", _("Keep each goal to %(n)s characters or fewer.") % {"n": MAX_GOAL_CHARS}
        )
    return CharterText(purpose=purpose, goals=goals, rules=text.rules)


def with_rules(rules: dict | None, text: CharterText) -> CharterText:
    """``text`` with the rules given changed, each checked as the proposal form checks it."""
    errors = {
        f"rules.{name}": [problem]
        for name, value in (rules or {}).items()
        if (problem := rule_error(name, value))
    }
    if errors:
        raise validation_error(ValidationError(errors))
    changed = dict(text.rules) | (rules or {})
    if "methods" in (rules or {}):
        changed["methods"] = validate_methods(changed["methods"])  # the clean copy
    return CharterText(purpose=text.purpose, goals=text.goals, rules=changed)


def proposed_charter(data: ProposalIn, charter: Charter) -> CharterText | None:
    """The charter as the proposal would make it, checked as the proposal form checks it;
    None for kinds that do not change the charter."""
    if data.kind == Proposal.Kind.AMEND_PURPOSE:
        return with_purpose(data.purpose, data.goals, charter.text())
    if data.kind == Proposal.Kind.CHANGE_RULES:
        return with_rules(data.rules, charter.text())
    return None


@router.post(
    "/communities/{slug}/proposals",
    tags=["write"],
    response={201: ProposalOut, **ERRORS},
    auth=WRITE,
    summary="Draft a proposal (then submit it to seek seconds)",
)
def propose(request, slug: str, data: ProposalIn):
    user = actor(request)
    community = access_community(user, slug)
    errors = {}
    if len(data.title) > MAX_PROPOSAL_TITLE:
        errors["title"] = [_("Keep the title to %(n)s characters.") % {"n": MAX_PROPOSAL_TITLE}]
    if len(data.rationale) > MAX_RATIONALE:
        errors["rationale"] = [_("Keep the reasons to %(n)s characters.") % {"n": MAX_RATIONALE}]
    if errors:
        raise validation_error(ValidationError(errors))
    proposed = proposed_charter(data, community.charter) if community.charter_id else None
    target = None
    if data.target:
        target = (
            Membership.objects.current()
            .filter(community=community, user__username=data.target)
            .first()
        )
    rate_limit(user, "proposal")
    made = act(
        drafting.check_create_proposal, user=user, where=community, community=community,
        kind=data.kind, title=clean_line(data.title), rationale=data.rationale,
        proposed=proposed, target=target, new_home=data.new_home,
    )  # fmt: skip
    made.community = community
    return Status(201, proposal_out(made))


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/submit",
    tags=["write"],
    response={200: ProposalOut, **ERRORS},
    auth=WRITE,
    summary="Submit your draft: it seeks seconds",
)
def submit(request, slug: str, proposal_id: int):
    user = actor(request)
    proposal = access_proposal(user, slug, proposal_id)
    act(drafting.check_submit_proposal, user=user, where=proposal.community, proposal=proposal)
    return proposal_out(access_proposal(user, slug, proposal_id))


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/seconds",
    tags=["write"],
    response={200: ProposalOut, **ERRORS},
    auth=WRITE,
    summary="Second a proposal that seeks seconds",
)
def second(request, slug: str, proposal_id: int):
    user = actor(request)
    proposal = access_proposal(user, slug, proposal_id)
    act(seconds.check_second_proposal, user=user, where=proposal.community, proposal=proposal)
    return proposal_out(access_proposal(user, slug, proposal_id))


@router.put(
    "/communities/{slug}/proposals/{proposal_id}/vote",
    tags=["write"],
    response={200: VoteOut, **ERRORS},
    auth=VOTE,
    summary="Cast or change your vote (needs the vote scope)",
)
def vote(request, slug: str, proposal_id: int, data: VoteIn):
    user = actor(request)
    proposal = access_proposal(user, slug, proposal_id)
    if proposal.secret:  # the answer says that you voted, and gives the receipt key
        secret = act(
            voting.check_cast_secret, user=user, where=proposal.community, proposal=proposal,
            choice=data.choice, reason=data.reason, receipt=data.receipt,
        )  # fmt: skip
        cast, receipt = secret.vote, secret.receipt
    else:
        cast = act(
            voting.check_cast_vote, user=user, where=proposal.community, proposal=proposal,
            choice=data.choice, reason=data.reason,
        )  # fmt: skip
        receipt = None
    return {
        "proposal_id": proposal.pk,
        "choice": cast.choice,
        "reason": cast.reason,
        "cast_at": cast.cast_at,
        "receipt": receipt,
    }


@router.post(
    "/me/notifications/read",
    tags=["write"],
    response={200: DoneOut, **ERRORS},
    auth=WRITE,
    summary="Mark notifications read: some by id, or all",
)
def mark_read(request, data: MarkReadIn):
    user = actor(request)
    if data.all:
        return {"ok": True, "count": notification_actions.do_mark_all_read(user=user)}
    if not data.ids:
        raise ApiError(422, "invalid", _("Say which notifications: their ids, or all: true."))
    marked = 0
    for notification_id in dict.fromkeys(data.ids):
        if notification_actions.do_mark_read(user=user, notification_id=notification_id):
            marked += 1
    return {"ok": True, "count": marked}


# --- Amendments: members amend a charter proposal in discussion --------------------------


def amended_text(data: AmendmentIn, proposal: Proposal) -> CharterText:
    """The proposal's text with the amendment: the fields of its kind from the request
    (as the amendment form takes them), the others as the proposal has them."""
    text = proposal.proposed_text()
    if proposal.kind == Proposal.Kind.AMEND_PURPOSE:
        if data.rules is not None:
            raise invalid(
                "rules", _("This proposal changes the purpose: amend its purpose or goals.")
            )
        return with_purpose(data.purpose, data.goals, text)
    if proposal.kind == Proposal.Kind.CHANGE_RULES:
        if data.purpose is not None or data.goals is not None:
            raise invalid("purpose", _("This proposal changes the rules: amend its rules."))
        return with_rules(data.rules, text)
    return text  # nothing to amend: the action says so


def amendment_answer(user, slug: str, proposal_id: int, amendment_id: int) -> dict:
    """The amendment as the proposal's read shows it after the change."""
    proposal = access_proposal(user, slug, proposal_id)
    rows = purposes_selectors.amendments(proposal)
    return amendment_out(next(row for row in rows if row.pk == amendment_id))


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/amendments",
    tags=["write"],
    response={201: AmendmentOut, **ERRORS},
    auth=WRITE,
    summary="Propose an amendment to someone else's charter proposal in discussion",
)
def propose_amendment(request, slug: str, proposal_id: int, data: AmendmentIn):
    user = actor(request)
    proposal = access_proposal(user, slug, proposal_id)
    proposed = amended_text(data, proposal)
    rate_limit(user, "amendment")
    made = act(
        amendments.check_propose_amendment, user=user, where=proposal.community,
        proposal=proposal, proposed=proposed, reason=data.reason,
    )  # fmt: skip
    return Status(201, amendment_answer(user, slug, proposal_id, made.pk))


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/amendments/{amendment_id}/accept",
    tags=["write"],
    response={200: AmendmentOut, **ERRORS},
    auth=WRITE,
    summary="Accept an amendment to your proposal: it takes the amended text",
)
def accept_amendment(request, slug: str, proposal_id: int, amendment_id: int):
    user = actor(request)
    proposal, amendment = access_amendment(user, slug, proposal_id, amendment_id)
    act(amendments.check_accept_amendment, user=user, where=proposal.community, amendment=amendment)
    return amendment_answer(user, slug, proposal_id, amendment_id)


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/amendments/{amendment_id}/decline",
    tags=["write"],
    response={200: AmendmentOut, **ERRORS},
    auth=WRITE,
    summary="Decline an amendment to your proposal, saying why",
)
def decline_amendment(request, slug: str, proposal_id: int, amendment_id: int, data: DeclineIn):
    user = actor(request)
    proposal, amendment = access_amendment(user, slug, proposal_id, amendment_id)
    act(
        amendments.check_decline_amendment, user=user, where=proposal.community,
        amendment=amendment, reason=data.reason,
    )  # fmt: skip
    return amendment_answer(user, slug, proposal_id, amendment_id)


@router.post(
    "/communities/{slug}/proposals/{proposal_id}/amendments/{amendment_id}/carry",
    tags=["write"],
    response={200: AmendmentOut, **ERRORS},
    auth=WRITE,
    summary="Put your declined amendment to the vote as an alternative text",
)
def carry_amendment(request, slug: str, proposal_id: int, amendment_id: int):
    user = actor(request)
    proposal, amendment = access_amendment(user, slug, proposal_id, amendment_id)
    act(amendments.check_carry_amendment, user=user, where=proposal.community, amendment=amendment)
    return amendment_answer(user, slug, proposal_id, amendment_id)
