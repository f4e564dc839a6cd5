"""The shapes of the API's requests and answers (OpenAPI is generated from them).

Requests are strict: an unknown field or a value of the wrong type is refused (422) before
any action runs, so a typo in a field name never silently does less than was asked."""

from datetime import datetime

from ninja import Schema
from pydantic import ConfigDict, Field


class In(Schema):
    model_config = ConfigDict(extra="forbid", strict=True)


class ErrorOut(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] | None = None


# --- Reads -------------------------------------------------------------------------------


class UserRef(Schema):
    username: str
    name: str


class CharterOut(Schema):
    version: int
    purpose: str
    goals: list[str]
    # The numbers and the join policy; ``methods``: {kind: method or {"method", "secret"}};
    # ``amendments_to_vote``: true or false.
    rules: dict[str, bool | int | str | dict[str, str | dict[str, str | bool]]]
    created_at: datetime
    proposal_id: int | None


class CharterVersionOut(Schema):
    version: int
    created_at: datetime
    proposal_id: int | None
    proposal_title: str | None


class CommunityOut(Schema):
    slug: str
    name: str
    tagline: str
    state: str
    visibility: str
    member_count: int | None = None
    url: str
    moved_to: str | None = Field(
        None, description="where it continues, if its members voted to move it (read-only here)"
    )


class CommunityDetailOut(CommunityOut):
    charter: CharterOut | None
    history: list[CharterVersionOut]
    you_are_member: bool


class ThreadOut(Schema):
    id: int
    title: str
    author: UserRef
    goal: str
    reply_count: int
    created_at: datetime
    last_activity_at: datetime
    url: str


class ThreadPageOut(Schema):
    threads: list[ThreadOut]
    next_cursor: str | None


class PostOut(Schema):
    id: int
    parent_id: int | None
    author: UserRef
    depth: int
    created_at: datetime
    edited_at: datetime | None
    state: str  # "visible", "deleted", "hidden", "kept_hidden", "taken_down"
    body: str | None
    body_html: str | None
    replies: list["PostOut"]


class ThreadDetailOut(Schema):
    thread: ThreadOut
    posts: list[PostOut]
    next_cursor: str | None


class ResultOut(Schema):
    for_count: int
    against_count: int
    abstain_count: int
    electorate_size: int
    active_electorate_size: int
    reason: str


class ProposalOut(Schema):
    id: int
    kind: str
    title: str
    rationale: str
    state: str
    stage: str
    method: str
    secret: bool = Field(False, description="decided by secret ballot")
    quorum_percent: int
    threshold: str
    author: UserRef
    created_at: datetime
    discussion_ends_at: datetime | None
    voting_ends_at: datetime | None
    thread_id: int | None
    result: ResultOut | None
    url: str
    new_home: str | None = Field(None, description="a move's new home")


class TextOut(Schema):
    purpose: str
    goals: list[str]
    rules: dict[str, bool | int | str | dict[str, str | dict[str, str | bool]]]


class AmendmentOut(Schema):
    id: int
    author: UserRef
    state: str = Field(description="pending, accepted or declined")
    reason: str
    text: TextOut = Field(description="the whole text the proposal would have with it")
    against: TextOut = Field(description="the proposal's text it was written against")
    changes: list[str] = Field(
        description="what it changes in that text: purpose, goals and the rules' names"
    )
    outdated: bool = Field(
        description="waiting, but the proposal's text changed since: it cannot be accepted"
    )
    created_at: datetime
    decided_at: datetime | None
    decline_reason: str
    carried_to_vote: bool = Field(description="put to the vote as an alternative text")


class ProposalDetailOut(ProposalOut):
    amendments: list[AmendmentOut] = Field(
        default_factory=list, description="a charter proposal's amendments, oldest first"
    )


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    community: str | None
    created_at: datetime
    read: bool


class MembershipOut(Schema):
    community: CommunityOut
    role: str
    joined_at: datetime
    suspended_until: datetime | None
    affirmed_charter_version: int | None


class ProfileOut(Schema):
    username: str
    name: str
    bio: str
    joined_at: datetime
    communities: list[CommunityOut]


# --- Writes ------------------------------------------------------------------------------


class JoinIn(In):
    charter_version: int = Field(description="The charter version you read and affirm.")


class ThreadIn(In):
    title: str
    body: str
    goal: str = ""
    client_token: str = Field("", max_length=64, description="Repeat-safe: same token, same post.")


class ReplyIn(In):
    parent_id: int
    body: str
    client_token: str = Field("", max_length=64)


class EditIn(In):
    body: str
    title: str | None = None


class FlagIn(In):
    reason: str = Field(description="off_purpose, disrespectful, spam or other")
    charter_point: str = ""
    note: str = ""


class ProposalIn(In):
    kind: str = Field(description="purpose, rules, elect, recall, remove, dissolve or move")
    title: str
    rationale: str
    purpose: str | None = None
    goals: list[str] | None = None
    rules: dict[str, bool | int | str | dict[str, object]] | None = None
    target: str | None = Field(None, description="username, for elect, recall and remove")
    new_home: str = Field("", description="for move: the https address of the new home")


class VoteIn(In):
    choice: str = Field(description="for, against or abstain")
    reason: str = ""
    receipt: str = Field(
        "", description="a secret ballot's receipt key, to change a ballot already cast"
    )


class AmendmentIn(In):
    """The proposal's text as the amendment would make it: the fields of the proposal's
    kind (purpose and goals, or rules); a field left out keeps the proposal's text."""

    purpose: str | None = None
    goals: list[str] | None = None
    rules: dict[str, bool | int | str | dict[str, object]] | None = None
    reason: str = Field(description="why: the proposer and the members read it")


class DeclineIn(In):
    reason: str = Field(description="why you decline it: its author and the members read it")


class MarkReadIn(In):
    ids: list[int] = Field(default_factory=list, max_length=100)
    all: bool = False


class DoneOut(Schema):
    ok: bool
    count: int | None = None


class VoteOut(Schema):
    proposal_id: int
    choice: str = Field(description="what you chose, or `secret` under a secret ballot")
    reason: str
    cast_at: datetime
    receipt: str | None = Field(
        None,
        description="under a secret ballot, the key that alone links you to your ballot: "
        "keep it to change your vote before the close (Commons keeps only its hash)",
    )


class FlagOut(Schema):
    id: int
    post_id: int
    reason: str
    post_state: str


# --- Moderation log and health ------------------------------------------------------------


class ModerationEntryOut(Schema):
    id: int
    kind: str
    label: str
    actor: UserRef | None
    member: UserRef | None
    post_id: int | None
    thread_id: int | None
    thread_title: str | None
    reason: str
    until: datetime | None
    created_at: datetime


class ModerationLogOut(Schema):
    entries: list[ModerationEntryOut]
    page: int
    pages: int


class SnapshotOut(Schema):
    day: str
    figures: dict[str, int | str | None]
    reciprocity_percent: float | None
    turnout_percent: float | None


class HealthOut(Schema):
    stage: str | None
    explanation: str | None
    next_steps: list[str]
    latest: SnapshotOut | None
    history: list[SnapshotOut]


# --- Webhooks ------------------------------------------------------------------------------


class WebhookIn(In):
    url: str = Field(max_length=500)
    events: list[str]
    community: str | None = Field(default=None, max_length=100)


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    community: str | None
    created_at: datetime
    enabled: bool
    disabled_reason: str
    secret: str | None = None  # only in the answer that made it


class DeliveryOut(Schema):
    id: int
    message_id: str
    event: str
    state: str
    attempts: int
    last_attempt_at: datetime | None
    response_status: int | None
    error: str


class WebhookDetailOut(WebhookOut):
    deliveries: list[DeliveryOut]
