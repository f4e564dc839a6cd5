"""django-allauth's account forms, worded for Commons (ACCOUNT_FORMS in settings)."""

from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["login"].label = _("Username or email")
        self.fields["remember"].label = _("Keep me logged in on this device")


class SignupForm(AllauthSignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.fields["username"].help_text = _(
            "Shown to others on your posts and profile. Letters, digits and @ . + - _ only."
        )
        self.fields["email"].help_text = _(
            "We send a link to confirm it. It is never shown to anyone."
        )
