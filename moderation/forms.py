"""The forms of the moderation pages: flagging, reviewing, suspending, appealing, taking
down. They only shape input; the actions validate it and refuse what a role may not do."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.fields import TextFormField
from moderation.flags import MAX_NOTE_CHARS
from moderation.models import Flag
from moderation.review import Decision
from moderation.suspensions import MAX_SUSPENSION_DAYS


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
