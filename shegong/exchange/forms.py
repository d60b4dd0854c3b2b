from django import forms
from django.utils.translation import gettext_lazy as _


class ReceiveForm(forms.Form):
    """A package file brought on a disk or by mail (offline transfer)."""

    file = forms.FileField(
        label=_("Package file"),
        help_text=_("A .json or .zip package made by another Shegong deployment."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.zip"}),
    )
