"""What a community's address and its charter must be: checked when a community is
founded and when its founding draft is edited, with the same bounds the forms show."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.models import Community
from core.text import clean_line
from purposes.methods.charter import MethodsError, validate_methods
from purposes.models import Charter, JoinPolicy

# Addresses a community may not take: they are, or may become, the site's own paths.
RESERVED_SLUGS = frozenset(
    {
        "new", "admin", "api", "static", "media", "accounts", "account", "search", "c", "u",
        "notifications", "invitations", "healthz", "feed", "settings", "help", "about",
        "login", "logout", "signup", "edit", "join", "leave", "members", "charter",
        "proposals", "moderation", "health", "commons", "www", "staff", "root",
    }
)  # fmt: skip
MAX_GOALS = 10
MAX_GOAL_CHARS = 200
MAX_PURPOSE_CHARS = 5000

# (low, high) for each numeric rule; the form shows the same bounds.
RULE_BOUNDS = {
    "seconds_required": (1, 20),
    "discussion_days": (1, 30),
    "voting_days": (1, 30),
    "quorum_percent": (1, 100),
    "major_quorum_percent": (1, 100),
    "flag_threshold": (2, 50),
    "moderator_term_days": (7, 730),
    "established_days": (0, 90),
    "removal_cooloff_days": (0, 3650),
    "voting_min_days": (0, 365),
}


def normalise_slug(value: str) -> str:
    return slugify(value or "")[:50].strip("-")


def validate_slug(slug: str) -> str:
    """The normalised address, or a ValidationError that says what is wrong with it."""
    normalised = normalise_slug(slug)
    if not normalised:
        raise ValidationError(
            _("Choose an address made of letters, digits and hyphens."), code="invalid"
        )
    if normalised in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(slug)s” is reserved for the site itself. Choose another address.")
            % {"slug": normalised},
            code="reserved",
        )
    if Community.objects.filter(slug=normalised).exists():
        raise ValidationError(
            _("The address “%(slug)s” is taken by another community.") % {"slug": normalised},
            code="taken",
        )
    return normalised


def validate_goals(goals: list[str]) -> list[str]:
    goals = [clean_line(goal) for goal in goals if goal and clean_line(goal)]
    if not goals:
        raise ValidationError(_("Name at least one goal."), code="goals_required")
    if len(goals) > MAX_GOALS:
        raise ValidationError(
            _("Keep to %(max)d goals at most (you have %(count)d).")
            % {"max": MAX_GOALS, "count": len(goals)},
            code="too_many_goals",
        )
    for goal in goals:
        if len(goal) > MAX_GOAL_CHARS:
            raise ValidationError(
                _("Each goal is one short line of at most %(max)d characters: “%(goal)s…”")
                % {"max": MAX_GOAL_CHARS, "goal": goal[:40]},
                code="goal_too_long",
            )
    return goals


def validate_charter(charter: dict) -> dict:
    """A clean copy of the charter fields (purpose, goals, rules), or a ValidationError."""
    purpose = (charter.get("purpose") or "").strip()
    if not purpose:
        raise ValidationError(_("Say what the community is for."), code="purpose_required")
    if len(purpose) > MAX_PURPOSE_CHARS:
        raise ValidationError(
            _("Keep the purpose to %(max)d characters.") % {"max": MAX_PURPOSE_CHARS},
            code="purpose_too_long",
        )
    clean = {"purpose": purpose, "goals": validate_goals(list(charter.get("goals") or []))}
    policy = charter.get("join_policy", JoinPolicy.OPEN)
    if policy not in JoinPolicy.values:
        raise ValidationError(_("Choose who may join."), code="join_policy")
    clean["join_policy"] = policy
    for name, (low, high) in RULE_BOUNDS.items():
        value = charter.get(name)
        if value is None:  # a rule left blank (or a form from before it existed)
            value = Charter._meta.get_field(name).default
        if not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(
                _("%(rule)s must be a whole number from %(low)d to %(high)d.")
                % {"rule": Charter._meta.get_field(name).verbose_name, "low": low, "high": high},
                code="rule_out_of_range",
            )
        clean[name] = value
    if clean["major_quorum_percent"] < clean["quorum_percent"]:
        raise ValidationError(
            _(
                "The quorum for purpose, rules and dissolution can’t be lower "
                "than the ordinary one."
            ),
            code="major_quorum_low",
        )
    # The decision methods, when given: left out, a new charter takes the defaults
    # (today's rules) and an edited founding draft keeps the ones it has.
    if "methods" in charter:
        try:
            clean["methods"] = validate_methods(charter["methods"])
        except MethodsError as error:
            raise ValidationError(str(error), code="methods") from error
    if "amendments_to_vote" in charter:
        if not isinstance(charter["amendments_to_vote"], bool):
            raise ValidationError(
                _("Whether declined amendments may be put to the vote must be true or false."),
                code="amendments_to_vote",
            )
        clean["amendments_to_vote"] = charter["amendments_to_vote"]
    return clean
