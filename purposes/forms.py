"""Forms of the purposes app: writing a proposal (by kind) and casting a vote."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.fields import LineFormField, TextFormField
from core.text import clean_line
from purposes.charter_diff import CharterText
from purposes.models import Charter, JoinPolicy, Proposal, Vote
from purposes.selectors import nominable_members
from purposes.validation import RULE_BOUNDS  # the same bounds as a founding charter

MAX_GOALS = 10
MAX_GOAL_CHARS = 200


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.user.shown_name} (@{obj.user.username})"


class ProposalForm(forms.Form):
    """One form for every kind: the fields that do not concern the kind are removed."""

    title = LineFormField(label=_("Title"), max_length=140)
    rationale = TextFormField(
        label=_("Why"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Explain the change to the other members: what it solves and for whom."),
    )
    purpose = TextFormField(
        label=_("Purpose"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    goals = TextFormField(
        label=_("Goals"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One goal per line, at most %(n)s.") % {"n": MAX_GOALS},
    )
    join_policy = forms.ChoiceField(label=_("Who may join"), choices=JoinPolicy.choices)
    target = MemberChoiceField(label=_("Member"), queryset=None, empty_label=_("Choose a member"))

    def __init__(self, *args, kind: str, charter: Charter, community, actor, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        initial = {
            "purpose": charter.purpose,
            "goals": "\n".join(charter.goals),
            **charter.rules(),
        } | initial
        super().__init__(*args, initial=initial, **kwargs)
        self.kind, self.charter = kind, charter
        for name in Charter.RULE_FIELDS[1:]:
            low, high = RULE_BOUNDS[name]
            self.fields[name] = forms.IntegerField(
                label=Charter._meta.get_field(name).verbose_name.capitalize(),
                min_value=low,
                max_value=high,
                validators=[MinValueValidator(low), MaxValueValidator(high)],
            )
        if kind != Proposal.Kind.AMEND_PURPOSE:
            del self.fields["purpose"], self.fields["goals"]
        if kind != Proposal.Kind.CHANGE_RULES:
            for name in Charter.RULE_FIELDS:
                del self.fields[name]
        if kind in Proposal.TARGET_KINDS:
            members = nominable_members(community)
            if kind == Proposal.Kind.REMOVE_MEMBER:
                members = members.exclude(user=actor)
                self.fields["target"].label = _("Member to remove")
            elif kind == Proposal.Kind.RECALL_MODERATOR:
                members = members.filter(role="moderator")
                self.fields["target"].label = _("Moderator to recall")
            else:
                members = members.exclude(role="moderator")
                self.fields["target"].label = _("Nominee")
                self.fields["target"].help_text = _(
                    "They are asked to accept before the proposal seeks seconds."
                )
            self.fields["target"].queryset = members
        else:
            del self.fields["target"]

    def clean_goals(self):
        lines = self.cleaned_data["goals"].splitlines()
        goals = [clean_line(line) for line in lines if clean_line(line)]
        if len(goals) > MAX_GOALS:
            raise forms.ValidationError(_("At most %(n)s goals.") % {"n": MAX_GOALS})
        if any(len(goal) > MAX_GOAL_CHARS for goal in goals):
            raise forms.ValidationError(
                _("Keep each goal to %(n)s characters or fewer.") % {"n": MAX_GOAL_CHARS}
            )
        return goals

    def proposed(self, base: Charter | None = None) -> CharterText | None:
        """The charter as the proposal would make it (None for non-charter kinds)."""
        if self.kind not in Proposal.CHARTER_KINDS:
            return None
        text = (base or self.charter).text()
        data = self.cleaned_data
        if self.kind == Proposal.Kind.AMEND_PURPOSE:
            return CharterText(
                purpose=data["purpose"].strip(), goals=data["goals"], rules=text.rules
            )
        rules = {name: data[name] for name in Charter.RULE_FIELDS}
        return CharterText(purpose=text.purpose, goals=text.goals, rules=rules)


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"), choices=Vote.Choice.choices, widget=forms.RadioSelect
    )
    reason = TextFormField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("Shown with your vote; at most 500 characters."),
    )
