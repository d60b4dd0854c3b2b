from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportJob


class UploadForm(forms.Form):
    """A roster to import: the file, where, and what to do with people (or volunteers)
    already registered (the service checks every rule)."""

    region = forms.ChoiceField(label=_("Into"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("Excel (.xlsx, .xls, WPS), or CSV in UTF-8 or GBK."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.et,.ods,.csv,.txt"}),
    )
    on_existing = forms.ChoiceField(
        label=_("A person already registered (same ID number)"),
        choices=ImportJob.Existing.choices,
        initial=ImportJob.Existing.UPDATE,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, regions=(), kind=ImportJob.Kind.PEOPLE, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [(r.code, r.name) for r in regions]
        if kind == ImportJob.Kind.VOLUNTEERS:
            self.fields["on_existing"].label = _(
                "A volunteer already registered (same ID number, or same name and phone)"
            )
        elif kind == ImportJob.Kind.WORKERS:
            self.fields["on_existing"].label = _("An account already there (same username)")


class CommitForm(forms.Form):
    valid_only = forms.BooleanField(
        label=_("Import only the valid rows (the invalid ones are left out)"), required=False
    )
