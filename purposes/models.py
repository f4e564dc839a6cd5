import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import CleanCharField, CleanTextField, LineField
from purposes.methods.charter import default_methods, method_for, secret_for


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone who affirms the purpose may join")
    APPLICATION = "application", _("By application: members admit those who apply")
    INVITATION = "invitation", _("By invitation: any member may invite")


class Charter(models.Model):
    """One version of a community's charter: its purpose, goals and rules.

    Versions are never edited once in force; a change makes a new version (R3). The
    founding draft (version 1 of a forming community) is the one exception: its author
    may edit it until the community becomes active.
    """

    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="charters"
    )
    version = models.PositiveIntegerField()
    purpose = CleanTextField(_("purpose"), max_length=5000)
    goals = models.JSONField(_("goals"), default=list)
    join_policy = models.CharField(
        _("who may join"), max_length=12, choices=JoinPolicy, default=JoinPolicy.OPEN
    )
    seconds_required = models.PositiveSmallIntegerField(_("seconds a proposal needs"), default=2)
    discussion_days = models.PositiveSmallIntegerField(_("discussion period (days)"), default=3)
    voting_days = models.PositiveSmallIntegerField(_("voting period (days)"), default=7)
    quorum_percent = models.PositiveSmallIntegerField(_("quorum (%)"), default=25)
    major_quorum_percent = models.PositiveSmallIntegerField(
        _("quorum for purpose, rules and dissolution (%)"), default=40
    )
    flag_threshold = models.PositiveSmallIntegerField(_("flags that hide a post"), default=3)
    moderator_term_days = models.PositiveSmallIntegerField(_("moderator term (days)"), default=90)
    # Flags, juries and the no-moderator restore vote count only established members:
    # members for this many days with at least one post or vote here (R5, R7).
    established_days = models.PositiveSmallIntegerField(
        _("days before a member's flags count"), default=7
    )
    # A member removed by vote comes back only through an application decided by members
    # until this many days have passed, whatever the join policy.
    removal_cooloff_days = models.PositiveSmallIntegerField(
        _("days a removed member may return only by application"), default=90
    )
    # Membership age a member needs when voting opens to be in the electorate (0: none).
    voting_min_days = models.PositiveSmallIntegerField(
        _("days of membership needed to vote"), default=0
    )
    # Which decision method each kind of proposal uses ({kind: method}, see
    # purposes.methods.charter); the defaults are two thirds for purpose, rules and
    # dissolution and a simple majority for the rest. One of RULE_FIELDS: changing the
    # method is itself a change of rules, decided by the method in force (issue 18).
    methods = models.JSONField(_("decision methods"), default=default_methods)
    # Whether an amendment its proposer declined may be put to the vote as an alternative
    # wording (the proposal is then decided by ranked choice between its texts and "keep
    # the current text"). Off by default: ranked choice elects by a majority of the
    # ballots still counting, not by the two thirds a change of purpose or rules needs,
    # so a community opts in knowingly. Like ``methods``, a rule members change by vote.
    amendments_to_vote = models.BooleanField(
        _("declined amendments may be put to the vote"), default=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The proposal whose vote made this version (None for a founding charter).
    proposal = models.OneToOneField(
        "purposes.Proposal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charter_made",
    )
    # True when this version changed the purpose or the goals: members who affirmed an
    # older version are then asked to re-affirm.
    changes_purpose = models.BooleanField(default=False)
    # The founding draft is edited in place: each edit counts here, and an endorsement
    # names the count it read, so nobody endorses a text they never saw.
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["community", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "version"], name="one_charter_per_version")
        ]

    def __str__(self):
        return f"{self.community} charter v{self.version}"

    def get_absolute_url(self):
        return reverse("purposes:charter", kwargs={"slug": self.community.slug})

    RULE_FIELDS = (
        "join_policy",
        "seconds_required",
        "discussion_days",
        "voting_days",
        "quorum_percent",
        "major_quorum_percent",
        "flag_threshold",
        "moderator_term_days",
        "established_days",
        "removal_cooloff_days",
        "voting_min_days",
        "methods",
        "amendments_to_vote",
    )

    def rules(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.RULE_FIELDS}

    def method_for(self, kind: str):
        """The decision method (purposes.methods.charter.Method) for a kind of proposal."""
        return method_for({**self.rules(), "methods": self.methods}, kind)

    def secret_for(self, kind: str) -> bool:
        """Whether this charter decides a kind of proposal by secret ballot."""
        return secret_for({"methods": self.methods}, kind)

    def method_words(self) -> dict[str, str]:
        """Each kind of proposal's method in words, by kind ("purpose": "Ranked choice,
        secret ballot"), for the page where a member chooses what to propose."""
        from purposes.charter_diff import method_words
        from purposes.methods.charter import KINDS, default_methods

        methods = self.methods or default_methods()
        return {kind: method_words(methods.get(kind)) for kind in KINDS}

    def decided_by(self) -> list[tuple[str, str]]:
        """Each kind of proposal in words with its method in words, for the charter page."""
        from purposes.methods.charter import KINDS

        return [(KINDS[kind], words) for kind, words in self.method_words().items()]

    def text(self):
        """The diffable content of this version (purposes.charter_diff.CharterText)."""
        from purposes.charter_diff import CharterText

        return CharterText(purpose=self.purpose, goals=list(self.goals), rules=self.rules())


def method_with_options(method, *, has_options: bool):
    """The method that decides a proposal carrying alternative texts (its own ones, or a
    declined amendment put to the vote): the charter's method for its kind if that one
    chooses among several options, otherwise ranked choice; without alternatives, the
    charter's method."""
    from purposes.methods.charter import METHODS

    if has_options and not method.several_options:
        return METHODS["ranked"]
    return method


def rule_labels() -> dict[str, str]:
    """Human labels of the rule fields, in the order the charter shows them."""
    return {name: str(Charter._meta.get_field(name).verbose_name) for name in Charter.RULE_FIELDS}


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=Proposal.OPEN_STATES)

    def due_to_open_voting(self, now):
        return self.filter(state=Proposal.State.DISCUSSION, discussion_ends_at__lte=now)

    def due_to_close(self, now):
        return self.filter(state=Proposal.State.VOTING, voting_ends_at__lte=now)

    def with_has_options(self):
        """Annotate ``has_options``: whether the proposal carries alternative texts (for the
        proposal page's "how it is decided"), and ``has_amendments``: whether anyone
        amended it (the page asks for them only then); in the same query."""
        proposal = models.OuterRef("pk")
        return self.annotate(
            has_options=models.Exists(ProposalOption.objects.filter(proposal=proposal)),
            has_amendments=models.Exists(Amendment.objects.filter(proposal=proposal)),
        )


class Proposal(models.Model):
    """A member's proposal to change the community: its charter, its moderators, its
    membership, or its existence (R3, R5).

    The proposed charter content (``purpose``, ``goals``, ``rules``) is a full copy of the
    charter it was drafted against (``base_charter``) with the proposer's edits; applying
    it changes only the fields that differ from that base (``touched_fields``).
    """

    class Kind(models.TextChoices):
        AMEND_PURPOSE = "purpose", _("Amend the purpose and goals")
        CHANGE_RULES = "rules", _("Change the rules")
        ELECT_MODERATOR = "elect", _("Elect a moderator")
        RECALL_MODERATOR = "recall", _("Recall a moderator")
        REMOVE_MEMBER = "remove", _("Remove a member")
        DISSOLVE = "dissolve", _("Dissolve the community")
        MOVE = "move", _("Move to another home")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SEEKING = "seeking", _("seeking seconds")
        DISCUSSION = "discussion", _("in discussion")
        VOTING = "voting", _("voting")
        PASSED = "passed", _("passed")
        FAILED = "failed", _("failed")
        LAPSED = "lapsed", _("lapsed: no decision")
        WITHDRAWN = "withdrawn", _("withdrawn")
        CONFLICT = "conflict", _("passed, not applied: conflict")

    OPEN_STATES = (State.DRAFT, State.SEEKING, State.DISCUSSION, State.VOTING)
    CLOSED_STATES = (State.PASSED, State.FAILED, State.LAPSED, State.CONFLICT)
    # Changes of purpose or rules, dissolution and moving away need two thirds and the
    # major quorum (moving ends the community here as surely as dissolving does).
    MAJOR_KINDS = (Kind.AMEND_PURPOSE, Kind.CHANGE_RULES, Kind.DISSOLVE, Kind.MOVE)
    CHARTER_KINDS = (Kind.AMEND_PURPOSE, Kind.CHANGE_RULES)
    TARGET_KINDS = (Kind.ELECT_MODERATOR, Kind.RECALL_MODERATOR, Kind.REMOVE_MEMBER)

    community = models.ForeignKey(
        "community.Community", on_delete=models.PROTECT, related_name="proposals"
    )
    kind = models.CharField(max_length=10, choices=Kind)
    state = models.CharField(max_length=10, choices=State, default=State.DRAFT, db_index=True)
    title = LineField(_("title"), max_length=140)
    rationale = CleanTextField(_("why"), max_length=10000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    base_charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="+")
    purpose = CleanTextField(blank=True, max_length=5000)
    goals = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=dict, blank=True)
    # The member to elect, recall or remove.
    target = models.ForeignKey(
        "members.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposals_about",
    )
    nominee_accepted_at = models.DateTimeField(null=True, blank=True)
    # A move's new home: the https address where the community continues.
    new_home = LineField(_("new home"), max_length=500, blank=True)
    # Thread of the discussion, once the threads app exists (see actions.open_discussion_thread).
    thread_id = models.BigIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    discussion_started_at = models.DateTimeField(null=True, blank=True)
    discussion_ends_at = models.DateTimeField(null=True, blank=True)
    voting_started_at = models.DateTimeField(null=True, blank=True)
    voting_ends_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    voting_notified_at = models.DateTimeField(null=True, blank=True)
    result_notified_at = models.DateTimeField(null=True, blank=True)
    # When members were last told it seeks seconds again after a reset: at most once a day,
    # so a proposer rewriting it over and over does not flood everyone's notifications.
    reseek_notified_at = models.DateTimeField(null=True, blank=True)

    # The decision rule, copied from the charter in force when voting opened.
    quorum_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    threshold = models.CharField(max_length=12, blank=True)
    # The electorate snapshot's size, and the tally written at the close.
    electorate_size = models.PositiveIntegerField(null=True, blank=True)
    active_electorate_size = models.PositiveIntegerField(null=True, blank=True)
    for_count = models.PositiveIntegerField(null=True, blank=True)
    against_count = models.PositiveIntegerField(null=True, blank=True)
    abstain_count = models.PositiveIntegerField(null=True, blank=True)
    result_reason = CleanCharField(max_length=500, blank=True)
    # The decision method of the charter in force when voting opened (a name of
    # purposes.methods.charter.METHODS; empty before then) and the seed of any tie-break by
    # lot, drawn and published at that moment: a later change of the charter does not
    # alter a running vote, and anyone can recompute a draw.
    method = models.CharField(max_length=12, blank=True)
    tie_seed = models.CharField(max_length=64, blank=True)
    # The whole count of a method other than the majority count, written at the close
    # (purposes.methods.record): rounds, tie-breaks, winner and the explanation in words.
    result = models.JSONField(null=True, blank=True)
    # A secret ballot (the charter's word for this kind when voting opened): how each
    # member voted is kept nowhere beside their name; see SecretBallot.
    secret = models.BooleanField(default=False)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "state"]),
            models.Index(fields=["state", "discussion_ends_at"]),
            models.Index(fields=["state", "voting_ends_at"]),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "purposes:proposal", kwargs={"slug": self.community.slug, "proposal_id": self.pk}
        )

    @property
    def is_major(self) -> bool:
        return self.kind in self.MAJOR_KINDS

    @property
    def is_charter_change(self) -> bool:
        return self.kind in self.CHARTER_KINDS

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    @property
    def needs_nominee(self) -> bool:
        return self.kind == self.Kind.ELECT_MODERATOR and self.nominee_accepted_at is None

    def proposed_text(self):
        from purposes.charter_diff import CharterText

        return CharterText(purpose=self.purpose, goals=list(self.goals), rules=dict(self.rules))

    def decision_rule(self, charter: Charter | None = None):
        """The rule that decides this proposal: the snapshot taken when voting opened,
        or (before then) what the given charter, by default the base, would require."""
        from purposes.tally import DecisionRule, Threshold

        if self.quorum_percent is not None and self.threshold:
            return DecisionRule(quorum_percent=self.quorum_percent, threshold=self.threshold)
        charter = charter or self.base_charter
        if self.is_major:
            quorum, threshold = charter.major_quorum_percent, Threshold.TWO_THIRDS
        else:
            quorum, threshold = charter.quorum_percent, Threshold.SIMPLE_MAJORITY
        # The charter's method for the kind sets the threshold where it counts for and
        # against (as opening the vote records it); the kind's default is for the others.
        method_threshold = charter.method_for(self.kind).threshold
        return DecisionRule(quorum_percent=quorum, threshold=method_threshold or threshold)

    def deciding_method(self, charter: Charter | None = None):
        """The method that decides this proposal: the one recorded when voting opened, or
        (before then) the one the given charter, by default the current one, gives its kind
        (ranked choice when the proposal carries alternative texts and that method only
        answers yes or no: see ``method_with_options``)."""
        from purposes.methods.charter import METHODS

        if self.method:
            return METHODS[self.method]
        method = (charter or self.community.charter).method_for(self.kind)
        has_options = getattr(self, "has_options", None)
        if has_options is None:
            has_options = self.options.exists()
        return method_with_options(method, has_options=has_options)

    def decided_in_secret(self, charter: Charter | None = None) -> bool:
        """Whether a secret ballot decides it: as fixed when voting opened, or (before
        then) as the given charter, by default the current one, says for its kind."""
        if self.method:
            return self.secret
        return (charter or self.community.charter).secret_for(self.kind)

    @property
    def counted_by_method(self) -> bool:
        """Decided by a method other than the for/against count (consent, approval...)."""
        return bool(self.method) and self.deciding_method().counted_by != "majority"

    def tally(self):
        from purposes.tally import Tally

        if self.for_count is None:
            return None
        return Tally(
            for_count=self.for_count,
            against_count=self.against_count,
            abstain_count=self.abstain_count,
            electorate_size=self.electorate_size or 0,
            active_electorate_size=self.active_electorate_size or 0,
        )


class ProposalRevision(models.Model):
    """Every text a proposal had: the first submitted one and each revision after it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = LineField(max_length=140)
    rationale = CleanTextField()
    base_charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="+")
    purpose = CleanTextField(blank=True)
    goals = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = CleanCharField(max_length=200, blank=True)
    # True when this revision changed what the proposal does after it was seconded: the
    # seconds were withdrawn and it went back to seeking seconds.
    seconds_reset = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="one_revision_per_number")
        ]

    def __str__(self):
        return f"{self.proposal} revision {self.number}"


class Second(models.Model):
    """A member's support for taking a proposal to discussion. One live second per member
    (a DB rule). A change of what the proposal does withdraws its seconds (kept, with
    ``withdrawn_at``): they backed the earlier text, and may second the new one again."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="seconds")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_second_per_member",
            )
        ]

    def __str__(self):
        return f"{self.user} seconds {self.proposal}"


class ElectorateMember(models.Model):
    """One member of a proposal's electorate, snapshotted when voting opened (R5).

    ``is_active``: posted, replied or voted in this community in the 90 days before
    voting opened, or joined in those 90 days (see actions.do_snapshot_electorate).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="electorate")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    membership = models.ForeignKey("members.Membership", on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user"], name="one_electorate_row_per_member"
            )
        ]

    def __str__(self):
        return f"{self.user} in the electorate of {self.proposal}"


class ProposalOption(models.Model):
    """An alternative text of a several-option proposal (approval, ranked choice, score):
    another wording of the purpose it proposes, or a declined amendment put to the vote
    (then also its goals and rules: ``None`` means "as the proposal's"). The proposal's own
    text and "keep the current text" are always options too, without a row (ids
    ``proposal`` and ``keep``); an alternative's id in the count is ``alt-<position>``."""

    MAX = 3  # alternatives a proposal may carry

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    purpose = CleanTextField(_("alternative wording of the purpose"), max_length=5000)
    goals = models.JSONField(null=True, blank=True)
    rules = models.JSONField(null=True, blank=True)
    # The declined amendment this alternative carries into the vote, if it is one.
    amendment = models.OneToOneField(
        "purposes.Amendment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="option",
    )

    class Meta:
        ordering = ["proposal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="one_option_per_position")
        ]

    def __str__(self):
        return f"{self.proposal}: alternative {self.position}"

    @property
    def option_id(self) -> str:
        return f"alt-{self.position}"

    def text(self, proposal: Proposal):
        """The whole charter text this alternative proposes (what is applied if it wins)."""
        from purposes.charter_diff import CharterText

        return CharterText(
            purpose=self.purpose,
            goals=list(proposal.goals if self.goals is None else self.goals),
            rules=dict(proposal.rules if self.rules is None else self.rules),
        )


class Amendment(models.Model):
    """A member's amendment to a charter proposal during its discussion: the whole text
    the proposal would have with it (``purpose``, ``goals``, ``rules``) and the proposal's
    text it was written against (``against``, the same three keys), so its diff stays
    what its author saw. The proposer accepts it (the proposal's text becomes this one,
    its seconds kept) or declines it with a reason; where the charter allows it, its
    author may then put a declined amendment to the vote as an alternative text."""

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the proposer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    reason = CleanTextField(_("why"), max_length=2000)
    purpose = CleanTextField(blank=True, max_length=5000)
    goals = models.JSONField(default=list, blank=True)
    rules = models.JSONField(default=dict, blank=True)
    against = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = CleanCharField(_("why you decline it"), max_length=500, blank=True)
    carried_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["proposal", "created_at", "id"]
        indexes = [models.Index(fields=["proposal", "state"])]

    def __str__(self):
        return f"amendment {self.pk} to {self.proposal}"

    def text(self):
        from purposes.charter_diff import CharterText

        return CharterText(purpose=self.purpose, goals=list(self.goals), rules=dict(self.rules))

    def against_text(self):
        from purposes.charter_diff import CharterText

        a = self.against or {}
        return CharterText(
            purpose=a.get("purpose", ""),
            goals=list(a.get("goals", [])),
            rules=dict(a.get("rules", {})),
        )


class Vote(models.Model):
    """A vote. Changing it supersedes the old row (kept as history) and adds a new one;
    a partial unique constraint allows one live (not superseded) vote per member.

    The choice says how the member voted under the proposal's method: for / against /
    abstain (the majority count), consent / stand aside / object (consent: an objection
    has a reason, and withdrawing it supersedes the row with one marked ``withdrawn_at``),
    or ``ballot`` for a several-option method, whose ``ballot`` holds the approvals
    (a list of option ids), the ranking (a list, first choice first) or the scores
    (``{option id: 0-5}``)."""

    class Choice(models.TextChoices):
        FOR = "for", _("for")
        AGAINST = "against", _("against")
        ABSTAIN = "abstain", _("abstain")
        CONSENT = "consent", _("consent")
        STAND_ASIDE = "stand_aside", _("stand aside")
        OBJECT = "object", _("object")
        BALLOT = "ballot", _("ballot")
        # Under a secret ballot the vote row says only that the member voted (the
        # turnout); what they chose is in a SecretBallot with no link back to them.
        SECRET = "secret", _("secret ballot")

    MAJORITY_CHOICES = (Choice.FOR, Choice.AGAINST, Choice.ABSTAIN)
    CONSENT_CHOICES = (Choice.CONSENT, Choice.STAND_ASIDE, Choice.OBJECT)

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=12, choices=Choice)
    reason = CleanCharField(_("reason (optional)"), max_length=500, blank=True)
    ballot = models.JSONField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cast_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user"],
                condition=Q(superseded_at__isnull=True),
                name="one_live_vote_per_member",
            )
        ]
        indexes = [
            models.Index(fields=["user", "cast_at"]),
            # The proposal page while voting lists (and counts) only votes given with a
            # reason: from this index, not by reading every live vote of the proposal.
            models.Index(
                fields=["proposal", "-cast_at", "-id"],
                condition=Q(superseded_at__isnull=True) & ~Q(reason=""),
                name="vote_live_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.user} votes {self.choice} on {self.proposal}"

    @property
    def is_live(self) -> bool:
        return self.superseded_at is None


class SecretBallot(models.Model):
    """One ballot of a secret vote, stored without its voter (README, "Secret ballots").

    When voting opens on a secret proposal, one empty slot per member of the electorate is
    created, all at once and with random ids, so neither the ids nor the order the rows
    were written in says who filled which. A voter's first ballot fills an unfilled slot
    picked at random; the voter's own ``Vote`` row (choice ``secret``) records only that
    they voted. ``receipt_hash`` is the SHA-256 of the receipt key given to the voter (and
    kept nowhere else), with which they change their ballot before the close; the close
    forgets every receipt, and the filled rows are the published ballots anyone can
    recount (the unfilled ones stay empty, neither counted nor shown). No timestamps: a
    time would match the vote row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    # Empty until a voter fills the slot: for / against / abstain, or "ballot" for a
    # several-option method (the approvals, ranking or scores then in ``ballot``).
    choice = models.CharField(max_length=12, blank=True)
    ballot = models.JSONField(null=True, blank=True)
    receipt_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["proposal", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_hash"],
                condition=~Q(receipt_hash=""),
                name="one_secret_ballot_per_receipt",
            )
        ]
        indexes = [models.Index(fields=["proposal", "choice"])]

    def __str__(self):
        return f"a secret ballot on proposal {self.proposal_id}"

    @property
    def is_filled(self) -> bool:
        return bool(self.choice)


class OffshootDigest(models.Model):
    """The one notification a parent's members got about the communities grown out of it
    on one day: the unique row makes the daily digest go out once, however often the job
    runs."""

    parent = models.ForeignKey(
        "community.Community", on_delete=models.CASCADE, related_name="offshoot_digests"
    )
    day = models.DateField()
    offshoots = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["parent", "day"], name="one_offshoot_digest_a_day")
        ]

    def __str__(self):
        return f"offshoots of {self.parent} on {self.day}"
