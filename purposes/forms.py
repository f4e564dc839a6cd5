"""Forms of the purposes app: writing a proposal (by kind) and casting a vote."""

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from core.fields import LineFormField, TextFormField
from core.text import clean_line
from purposes.charter_diff import CharterText
from purposes.founding_forms import (
    add_method_fields,
    bound_method_fields,
    cleaned_methods,
    method_initial,
)
from purposes.methods.consent import Position
from purposes.models import Charter, JoinPolicy, Proposal, ProposalOption, Vote
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
    new_home = LineFormField(
        label=_("Address of the new home"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "inputmode": "url"}),
        help_text=_(
            "The community’s page on the instance it moves to, starting with https://. If "
            "the vote passes, this community becomes read-only here and points there, and "
            "each member is emailed a link to claim their place at that address."
        ),
    )

    def __init__(
        self, *args, kind: str, charter: Charter, community, actor, alternatives=False, **kwargs
    ):
        initial = kwargs.pop("initial", None) or {}
        initial = {
            "purpose": charter.purpose,
            "goals": "\n".join(charter.goals),
            **charter.rules(),
        } | initial
        initial |= method_initial(initial.get("methods"), initial.get("amendments_to_vote"))
        super().__init__(*args, initial=initial, **kwargs)
        self.kind, self.charter = kind, charter
        if kind == Proposal.Kind.CHANGE_RULES:
            for name, (low, high) in RULE_BOUNDS.items():
                self.fields[name] = forms.IntegerField(
                    label=Charter._meta.get_field(name).verbose_name.capitalize(),
                    min_value=low,
                    max_value=high,
                    validators=[MinValueValidator(low), MaxValueValidator(high)],
                )
            add_method_fields(self)
        else:
            del self.fields["join_policy"]
        if kind != Proposal.Kind.AMEND_PURPOSE:
            del self.fields["purpose"], self.fields["goals"]
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
        if kind != Proposal.Kind.MOVE:
            del self.fields["new_home"]
        # A change of purpose decided by approval, ranked choice or score may offer other
        # wordings of the purpose as further options of the vote.
        if alternatives and kind == Proposal.Kind.AMEND_PURPOSE:
            for n in range(1, ProposalOption.MAX + 1):
                self.fields[f"alternative_{n}"] = TextFormField(
                    label=_("Alternative wording %(n)s (optional)") % {"n": n},
                    max_length=5000,
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 3}),
                    help_text=_(
                        "Another wording of the purpose, voted on beside yours and "
                        "“keep the current text”."
                    )
                    if n == 1
                    else "",
                )

    def alternatives(self) -> list[str]:
        return [
            self.cleaned_data.get(f"alternative_{n}") or ""
            for n in range(1, ProposalOption.MAX + 1)
            if f"alternative_{n}" in self.fields
        ]

    def clean(self):
        cleaned = super().clean()
        if self.kind == Proposal.Kind.CHANGE_RULES and not self.errors:
            cleaned["methods"] = cleaned_methods(self, cleaned)
        return cleaned

    def method_fields(self) -> list:
        """The decision-method fields (a rules change only), shown as one group."""
        return bound_method_fields(self)

    def other_fields(self) -> list:
        grouped = {field.name for field in self.method_fields()}
        return [field for field in self if field.name not in grouped]

    def proposed_rules(self) -> dict[str, object]:
        """The rules as the form's fields say (a rules change only)."""
        data = self.cleaned_data
        return {name: data[name] for name in Charter.RULE_FIELDS}

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
        return CharterText(purpose=text.purpose, goals=text.goals, rules=self.proposed_rules())


class VoteForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=[(c.value, c.label) for c in Vote.MAJORITY_CHOICES],
        widget=forms.RadioSelect,
    )
    reason = TextFormField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("Shown with your vote; at most 500 characters."),
    )


class BallotForm(forms.Form):
    """The ballot of a proposal decided by consent, approval, ranked choice or score, built
    for its method and options. The form only reads what was sent; the voting action
    judges the ballot (duplicates, gaps, no approval, scores out of range) and its message
    goes on the form, with everything the member chose kept."""

    reason = TextFormField(
        label=_("Reason (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        help_text=_("Shown with your vote; at most 500 characters."),
    )

    def __init__(self, *args, method: str, options: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.method, self.options = method, options
        choices = list(options.items())
        if method == "consent":
            self.fields["choice"] = forms.ChoiceField(
                choices=[(p.value, p.value) for p in Position], required=False
            )
            self.fields["reason"].label = _("Reason (needed to object)")
            self.fields["reason"].help_text = _(
                "An objection says what harm you see, so the proposer can answer it; at "
                "most 500 characters."
            )
        elif method == "approval":
            self.fields["approve"] = forms.MultipleChoiceField(
                label=_("The options you approve"),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_("Approve every option you can accept; at least one."),
            )
        elif method == "ranked":
            for rank in range(1, len(choices) + 1):
                self.fields[f"rank_{rank}"] = forms.ChoiceField(
                    label=_("Choice %(n)s") % {"n": rank},
                    choices=[("", _("— none —"))] + choices,
                    required=False,
                )
        elif method == "score":
            for option_id, label in choices:
                self.fields[f"score_{option_id}"] = forms.IntegerField(
                    label=label,
                    required=False,
                    widget=forms.NumberInput(attrs={"min": 0, "max": 5}),
                )

    def ballot(self):
        """What the member chose, in the shape the method's ballot takes."""
        data = self.cleaned_data
        if self.method == "consent":
            return data.get("choice") or ""
        if self.method == "approval":
            return list(data.get("approve") or [])
        if self.method == "ranked":
            ranking = [data.get(f"rank_{n}") or "" for n in range(1, len(self.options) + 1)]
            while ranking and not ranking[-1]:
                ranking.pop()  # unfilled ranks at the end are allowed; a gap is not
            return ranking
        return {
            option_id: data[f"score_{option_id}"]
            for option_id in self.options
            if data.get(f"score_{option_id}") is not None
        }

    @staticmethod
    def initial_from(vote, method: str) -> dict:
        """The form's initial values from the member's live vote."""
        if vote is None:
            return {}
        initial = {"reason": vote.reason}
        if method == "approval":
            initial["approve"] = vote.ballot or []
        elif method == "ranked":
            initial |= {f"rank_{n}": o for n, o in enumerate(vote.ballot or [], start=1)}
        elif method == "score":
            initial |= {f"score_{o}": v for o, v in (vote.ballot or {}).items()}
        return initial


class AmendmentForm(ProposalForm):
    """An amendment to a charter proposal: its text as the amendment would make it (the
    same fields as the proposal's kind, pre-filled with the proposal's current text) and
    why. The title stays the proposer's."""

    def __init__(self, *args, proposal: Proposal, actor, **kwargs):
        initial = {"purpose": proposal.purpose, "goals": "\n".join(proposal.goals)}
        super().__init__(
            *args,
            kind=proposal.kind,
            charter=proposal.base_charter,
            community=proposal.community,
            actor=actor,
            initial=initial | dict(proposal.rules),
            **kwargs,
        )
        self.proposal = proposal
        del self.fields["title"], self.fields["rationale"]
        # The text first, then why: the reason comes last, as on a proposal's page.
        self.fields["rationale"] = TextFormField(
            label=_("Why this amendment"),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
            help_text=_(
                "Tell the proposer and the other members what it improves; at most 2000 characters."
            ),
        )

    def proposed(self, base: Charter | None = None) -> CharterText | None:
        """The proposal's text with this amendment: the fields of its kind from the form,
        the others as the proposal has them."""
        mine = self.proposal.proposed_text()
        data = self.cleaned_data
        if self.kind == Proposal.Kind.AMEND_PURPOSE:
            return CharterText(
                purpose=data["purpose"].strip(), goals=data["goals"], rules=mine.rules
            )
        return CharterText(purpose=mine.purpose, goals=mine.goals, rules=self.proposed_rules())


class DeclineAmendmentForm(forms.Form):
    reason = TextFormField(
        label=_("Why you decline it"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
        help_text=_("Its author and every member will read it; at most 500 characters."),
    )
