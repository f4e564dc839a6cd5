"""django-allauth's account forms, worded for Commons (ACCOUNT_FORMS in settings)."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _

from core.fields import TextFormField
from members.profiles import MAX_DISPLAY_NAME_CHARS, clean_display_name, do_update_profile


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["login"].label = _("Username or email")
        self.fields["remember"].label = _("Keep me logged in on this device")


class SignupForm(AllauthSignupForm):
    display_name = TextFormField(
        label=_("Display name (optional)"),
        max_length=MAX_DISPLAY_NAME_CHARS,
        required=False,
        help_text=_(
            "Shown instead of your username, such as your full name. You can change it, "
            "and add a picture, on your profile later."
        ),
    )
    field_order = ["username", "display_name", "email", "password1", "password2"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["username"].help_text = _(
            "Shown to others on your posts and profile. Letters, digits and @ . + - _ only."
        )
        self.fields["email"].help_text = _(
            "We send a link to confirm it. It is never shown to anyone."
        )

    def signup(self, request, user):
        """Called by allauth once the new user is saved (the form's ``custom_signup``)."""
        display_name = clean_display_name(self.cleaned_data.get("display_name", ""))
        if display_name:
            do_update_profile(user=user, display_name=display_name, bio=user.bio)
