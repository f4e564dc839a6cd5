from django import forms
from django.utils.translation import gettext_lazy as _

from community.models import Community


class ImportForm(forms.Form):
    archive = forms.FileField(
        label=_("Archive file"),
        help_text=_("The .zip a community’s old home made (docs/archive-format.md)."),
    )


class ConfirmImportForm(forms.Form):
    sha256 = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)
    slug = forms.SlugField(
        label=_("Its address here"),
        max_length=50,
        help_text=_("/c/<address>/. By default the one it had at its old home."),
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if Community.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("A community at /c/%(slug)s/ exists here already.") % {"slug": slug}
            )
        return slug


class ClaimForm(forms.Form):
    token = forms.CharField(
        label=_("Claim token"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("From the email the community’s old home sent you."),
        max_length=2000,
    )


class AcceptPlaceForm(forms.Form):
    affirmed = forms.BooleanField(label=_("I affirm this purpose"), required=False)
