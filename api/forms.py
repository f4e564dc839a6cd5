"""The forms of the token and webhook settings pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import Event, Scope
from api.tokens import DEFAULT_DAYS
from core.fields import LineFormField

EXPIRY_CHOICES = [
    (7, _("7 days")),
    (30, _("30 days")),
    (90, _("90 days")),
    (180, _("180 days")),
    (365, _("1 year")),
]


class TokenForm(forms.Form):
    name = LineFormField(
        label=_("Name"),
        max_length=80,
        help_text=_("What will use it, so you recognise it later: “my mailing-list bridge”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        error_messages={"required": _("Choose at least one of read, write and vote.")},
    )
    days = forms.TypedChoiceField(
        label=_("Expires after"),
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial=DEFAULT_DAYS,
        help_text=_("It stops working then; you can make a new one at any time."),
    )


class WebhookForm(forms.Form):
    """A webhook: the address, what to send, and (for community events) which community,
    chosen among the member's own."""

    url = forms.CharField(
        label=_("Address (https://…)"),
        max_length=500,
        help_text=_("Where to send events. Only HTTPS addresses on the public internet."),
        widget=forms.URLInput(attrs={"inputmode": "url", "spellcheck": "false"}),
    )
    events = forms.MultipleChoiceField(
        label=_("What to send"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Event.NOTIFICATION_CREATED],
        error_messages={"required": _("Choose at least one kind of event.")},
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=None,
        required=False,
        empty_label=_("None (only your notifications)"),
        to_field_name="slug",
        help_text=_("Whose new threads, proposals and results to send."),
    )

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
