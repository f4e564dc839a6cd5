"""Forms for founding a community: its name and address, and a charter (purpose, goals
and rules). ``CharterForm`` is reusable: proposals that amend a charter use it too, with
``CharterForm.initial_from(charter)`` to start from the version in force."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Community
from core.fields import LineFormField, TextFormField
from purposes import validation
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
            "who must vote. A proposal that misses it lapses with no decision. It passes "
            "with more votes for than against."
        ),
    )
    major_quorum_percent = _rule_field(
        "major_quorum_percent",
        _("Quorum for changing the purpose or rules, or dissolving (%)"),
        _("These also need two thirds of the votes cast (for and against) to pass."),
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

    @classmethod
    def initial_from(cls, charter: Charter) -> dict:
        return {"purpose": charter.purpose, "goals": charter.goals} | charter.rules()

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            return validation.validate_charter(cleaned)
        except ValidationError as error:
            field = {
                "major_quorum_low": "major_quorum_percent",
            }.get(error.code)
            self.add_error(field, error)
            return cleaned
