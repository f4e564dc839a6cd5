"""The form of the token settings page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import Scope
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
