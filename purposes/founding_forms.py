"""Forms for founding a community: its name and address, and a charter (purpose, goals
and rules). ``CharterForm`` is reusable: proposals that amend a charter use it too, with
``CharterForm.initial_from(charter)`` to start from the version in force."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Community
from core.fields import LineFormField, TextFormField
from purposes import validation
from purposes.methods.charter import (
    DEFAULT_METHODS,
    KINDS,
    METHODS,
    MethodsError,
    method_name,
    validate_methods,
)
from purposes.models import Charter, JoinPolicy


class CommunityForm(forms.Form):
    name = LineFormField(
        label=_("Name"),
        max_length=80,
        help_text=_("What people will call it, e.g. “Riverside Gardeners”."),
    )
    slug = forms.CharField(
        label=_("Address"),
        max_length=50,
        required=False,
        help_text=_(
            "The last part of its web address: /c/<address>/. Letters, digits and hyphens; "
            "left empty, it is made from the name. It can’t be changed later."
        ),
    )
    tagline = LineFormField(
        label=_("Tagline"),
        max_length=160,
        required=False,
        help_text=_("One line shown under the name (160 characters at most)."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can read it"),
        choices=Community.Visibility.choices,
        initial=Community.Visibility.PUBLIC,
        widget=forms.RadioSelect,
        help_text=_(
            "Either way its name, tagline and charter are public, so people can decide "
            "whether to join."
        ),
    )

    def clean_slug(self):
        # An empty address is made from the name in clean(), once the name is known.
        return self.cleaned_data.get("slug", "").strip()

    def clean(self):
        cleaned = super().clean()
        source = cleaned.get("slug") or cleaned.get("name") or ""
        if source and "slug" not in self.errors:
            try:
                cleaned["slug"] = validation.validate_slug(source)
            except ValidationError as error:
                self.add_error("slug", error)
        return cleaned


class GoalsField(TextFormField):
    """Goals typed one per line; cleaned to a list of 1 to 10 short lines."""

    widget = forms.Textarea(attrs={"rows": 5})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def clean(self, value):
        text = super().clean(value)
        return validation.validate_goals(text.splitlines())


def _rule_field(name: str, label: str, help_text: str, required: bool = True) -> forms.IntegerField:
    low, high = validation.RULE_BOUNDS[name]
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=low,
        max_value=high,
        initial=Charter._meta.get_field(name).default,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


METHOD_FIELD_PREFIXES = ("method_", "secret_")


def add_method_fields(form: forms.Form) -> None:
    """Add the charter's decision methods to a form: for each kind of proposal, a choice
    of method (``method_<kind>``) and a secret-ballot box (``secret_<kind>``), then whether
    declined amendments may be put to the vote. ``cleaned_methods`` reads them back."""
    choices = [(m.name, m.label) for m in METHODS.values()]
    for kind, words in KINDS.items():
        form.fields[f"method_{kind}"] = forms.ChoiceField(
            label=_("Method for %(kind)s") % {"kind": words},
            choices=choices,
            initial=DEFAULT_METHODS[kind],
            required=False,  # left out: as the form started (the charter's, or the default)
        )
        form.fields[f"secret_{kind}"] = forms.BooleanField(
            label=_("Secret ballot for %(kind)s") % {"kind": words},
            required=False,
        )
    form.fields["amendments_to_vote"] = forms.BooleanField(
        label=_("A declined amendment may be put to the vote as an alternative text"),
        required=False,
        help_text=_(
            "The vote is then a ranked choice between the texts and keeping the current one: "
            "it elects by a majority of the ballots still counting, not by two thirds."
        ),
    )


def bound_method_fields(form: forms.Form) -> list:
    """The form's bound decision-method fields, in order, for a template to group."""
    names = [name for name in form.fields if name.startswith(METHOD_FIELD_PREFIXES)]
    if "amendments_to_vote" in form.fields:
        names.append("amendments_to_vote")
    return [form[name] for name in names]


def method_initial(methods, amendments_to_vote: bool) -> dict:
    """The method fields' initial values from a charter's ``methods`` mapping."""
    initial: dict = {"amendments_to_vote": bool(amendments_to_vote)}
    for kind, entry in (methods or DEFAULT_METHODS).items():
        initial[f"method_{kind}"] = method_name(entry)
        initial[f"secret_{kind}"] = isinstance(entry, dict) and bool(entry.get("secret"))
    return initial


def cleaned_methods(form: forms.Form, cleaned: dict) -> dict | None:
    """The methods mapping the form's fields say, validated (``validate_methods``), or
    None with the error put next to the field it concerns."""
    methods = {}
    for kind in KINDS:
        field = f"method_{kind}"
        name = cleaned.get(field) or form.get_initial_for_field(form.fields[field], field)
        methods[kind] = {"method": name, "secret": True} if cleaned.get(f"secret_{kind}") else name
    for kind in KINDS:  # one kind at a time, so the error goes next to its own field
        try:
            validate_methods(DEFAULT_METHODS | {kind: methods[kind]})
        except MethodsError as error:
            secret = isinstance(methods[kind], dict)
            form.add_error(f"secret_{kind}" if secret else f"method_{kind}", str(error))
    if form.errors:
        return None
    return validate_methods(methods)


class CharterForm(forms.Form):
    """Purpose, goals and rules. ``cleaned_data`` holds exactly the Charter's fields."""

    purpose = TextFormField(
        label=_("Purpose"),
        max_length=validation.MAX_PURPOSE_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What the community is for, in a few sentences. People affirm it when they join."
        ),
    )
    goals = GoalsField(
        label=_("Goals"),
        help_text=_("One per line: 1 to 10 short goals, each at most 200 characters."),
    )
    join_policy = forms.ChoiceField(
        label=_("Who may join"),
        choices=JoinPolicy.choices,
        initial=JoinPolicy.OPEN,
        widget=forms.RadioSelect,
    )
    seconds_required = _rule_field(
        "seconds_required",
        _("Seconds a proposal needs"),
        _("How many other members must support a proposal before it is discussed."),
    )
    discussion_days = _rule_field(
        "discussion_days",
        _("Discussion period (days)"),
        _("How long a seconded proposal is discussed before the vote opens."),
    )
    voting_days = _rule_field(
        "voting_days", _("Voting period (days)"), _("How long the vote stays open.")
    )
    quorum_percent = _rule_field(
        "quorum_percent",
        _("Quorum for ordinary proposals (%)"),
        _(
            "The share of active members (who posted, replied or voted in the last 90 days) "
            "who must vote. A proposal that misses it lapses with no decision; otherwise "
            "the method chosen for its kind decides it."
        ),
    )
    major_quorum_percent = _rule_field(
        "major_quorum_percent",
        _("Quorum for changing the purpose or rules, dissolving or moving away (%)"),
        _(
            "The share of active members who must vote on these; the method chosen for each "
            "kind decides them."
        ),
    )
    flag_threshold = _rule_field(
        "flag_threshold",
        _("Flags that hide a post"),
        _("How many different members must flag a post to hide it until it is reviewed."),
    )
    moderator_term_days = _rule_field(
        "moderator_term_days",
        _("Moderator term (days)"),
        _("Moderators are elected by a vote of members, for this long."),
    )

    established_days = _rule_field(
        "established_days",
        _("Days before a member's flags count"),
        _(
            "Flags, juries and restore votes count only members who have belonged this long "
            "and posted or voted at least once."
        ),
        required=False,
    )
    removal_cooloff_days = _rule_field(
        "removal_cooloff_days",
        _("Days a removed member may return only by application"),
        _("A member removed by vote comes back only if members admit their application."),
        required=False,
    )
    voting_min_days = _rule_field(
        "voting_min_days",
        _("Days of membership needed to vote"),
        _("0: everyone who was a member when discussion began may vote."),
        required=False,
    )

    RULE_FIELD_NAMES = Charter.RULE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        add_method_fields(self)

    def method_fields(self) -> list:
        return bound_method_fields(self)

    @classmethod
    def initial_from(cls, charter: Charter) -> dict:
        return (
            {"purpose": charter.purpose, "goals": charter.goals}
            | charter.rules()
            | method_initial(charter.methods, charter.amendments_to_vote)
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        methods = cleaned_methods(self, cleaned)
        if methods is None:
            return cleaned
        cleaned = {
            name: value
            for name, value in cleaned.items()
            if not name.startswith(METHOD_FIELD_PREFIXES)
        } | {"methods": methods}
        try:
            return validation.validate_charter(cleaned)
        except ValidationError as error:
            field = {
                "major_quorum_low": "major_quorum_percent",
            }.get(error.code)
            self.add_error(field, error)
            return cleaned
