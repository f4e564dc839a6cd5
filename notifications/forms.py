from django import forms
from django.utils.translation import gettext_lazy

from notifications.models import Delivery, DigestSetting, Notification

CHOOSE_FREQUENCY = gettext_lazy("Choose how often to get the digest.")


class EmailSettingsForm(forms.Form):
    """The one email settings page: a radio group per kind of notification (when to email
    it), then how often the digest comes (the digest holds the kinds sent "in my digest")."""

    frequency = forms.ChoiceField(
        label=gettext_lazy("Email me my digest"),
        choices=DigestSetting.Frequency.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The notifications you chose to have in your digest, with new threads, proposals "
            "in discussion or voting, results, and replies to you that you have not answered. "
            "Sent only when there is something new."
        ),
        error_messages={"required": CHOOSE_FREQUENCY, "invalid_choice": CHOOSE_FREQUENCY},
    )

    def __init__(self, *args, current: dict[str, str], frequency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frequency"].initial = frequency
        for kind in Notification.Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label[:1].upper() + kind.label[1:],
                choices=Delivery.choices,
                initial=current.get(kind.value),
                widget=forms.RadioSelect,
            )

    def kind_fields(self) -> list:
        return [self[kind] for kind in Notification.Kind.values]

    def kind_choices(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in Notification.Kind.values}
