"""Forms of the members app. They check shape and length; the actions decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.fields import LineFormField, TextFormField
from members.applications import MAX_MOTIVATION_CHARS, MAX_REASON_CHARS
from members.avatars import MAX_AVATAR_BYTES


class AffirmForm(forms.Form):
    affirm = forms.BooleanField(
        label=_("I affirm this purpose"),
        required=True,
        error_messages={
            "required": _("Joining means affirming the purpose: tick “I affirm this purpose”.")
        },
    )


class ApplicationForm(AffirmForm):
    motivation = TextFormField(
        label=_("Why do you want to join?"),
        max_length=MAX_MOTIVATION_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The members who decide will read this. 2,000 characters at most."),
        error_messages={"required": _("Write a few words on why you want to join.")},
    )

    field_order = ["motivation", "affirm"]


class DecisionForm(forms.Form):
    reason = TextFormField(
        label=_("Reason (optional)"),
        max_length=MAX_REASON_CHARS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the decision and shown to the applicant. 500 characters at most."),
    )

    def clean(self):
        """The button pressed, "admit" or "decline", becomes ``admit``."""
        cleaned = super().clean()
        decision = self.data.get("decision")
        if decision not in {"admit", "decline"}:
            raise forms.ValidationError(_("Choose to admit or to decline."))
        cleaned["admit"] = decision == "admit"
        return cleaned


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username of the person to invite"),
        max_length=150,
        help_text=_(
            "They must already have an account. They will see the invitation and can "
            "accept or decline it; it expires after 14 days."
        ),
    )


class ProfileForm(forms.Form):
    display_name = LineFormField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("Shown instead of your username. Leave empty to use your username."),
    )
    bio = TextFormField(
        label=_("About you"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A short bio. Markdown works: *emphasis*, links, lists. 2,000 characters."),
    )
    avatar = forms.FileField(
        label=_("Picture (optional)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        help_text=_(
            "A JPEG, PNG, WebP or GIF of 5 MB at most. It is cut to a square and its "
            "metadata (camera, place) is removed. Without one, your initials are shown."
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my picture"), required=False)

    def __init__(self, *args, picture_too_large: bool = False, **kwargs):
        """``picture_too_large``: the upload passed the limit and was not kept at all."""
        super().__init__(*args, **kwargs)
        self.picture_too_large = picture_too_large

    def clean_avatar(self):
        upload = self.cleaned_data.get("avatar")
        if self.picture_too_large:
            raise forms.ValidationError(_("The picture is too large: 5 MB at most."))
        # Refused before reading it into memory; the action checks the bytes themselves.
        if upload and upload.size > MAX_AVATAR_BYTES:
            raise forms.ValidationError(_("The picture is too large: 5 MB at most."))
        return upload


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )
