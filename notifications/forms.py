from django import forms
from django.utils.translation import gettext_lazy

from notifications.models import Delivery, DigestSetting, Notification


class NotificationPreferencesForm(forms.Form):
    """One radio group per kind of notification."""

    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label[:1].upper() + kind.label[1:],
                choices=Delivery.choices,
                initial=current.get(kind.value),
                widget=forms.RadioSelect,
            )


class DigestForm(forms.Form):
    frequency = forms.ChoiceField(
        label=gettext_lazy("Email me a digest of my communities"),
        choices=DigestSetting.Frequency.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "New threads, proposals in discussion or voting, results, and replies to you "
            "that you have not answered. Sent only when there is something new."
        ),
    )
