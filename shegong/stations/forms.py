from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import normalize_credit_code, normalize_phone
from shegong.regions.forms import RegionCodeField
from shegong.regions.models import Level, Region

from .governance import GOVERNED_FIELDS, governed_help, may_set_station_field
from .models import Agency, Station
from .services import AGENCY_AUDIT, STATION_COLUMNS, AgencyInput, StationInput


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class StationForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(
        label=_("Region (division code)"),
        levels=[Level.CITY, Level.TOWNSHIP, Level.VILLAGE],
    )
    rooms = forms.MultipleChoiceField(
        label=_("Functional rooms"),
        choices=Station.Room.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Station
        fields = [
            "name",
            "tier",
            "region",
            "is_county_general",
            "agency",
            "service_version",
            "floor_area",
            "rooms",
            "opened_on",
            "phone",
            "address",
            "opening_hours",
            "public_services",
            "complaint_phone",
            "is_active",
        ]
        widgets = {
            "opened_on": DateInput(),
            "public_services": forms.Textarea(attrs={"rows": 3}),
            "complaint_phone": forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].queryset = Region.objects.restrict(user)
        self.fields["agency"].queryset = Agency.objects.restrict(user).order_by("name")
        # Fields this user may not set are shown but not editable (Django ignores what a
        # disabled field posts); ``station_save`` refuses them again whatever the form did.
        created = self.instance.pk is None
        for name in self.fields:
            if name in GOVERNED_FIELDS and not may_set_station_field(user, name, created=created):
                self.fields[name].disabled = True
                self.fields[name].help_text = governed_help(name)

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")

    def clean_complaint_phone(self):
        return normalize_phone(self.cleaned_data.get("complaint_phone") or "")

    def to_input(self) -> StationInput:
        """What the form shows (a field the user may not set keeps the saved value)."""
        d = self.cleaned_data
        return StationInput(
            **{name: d.get(name) for name in STATION_COLUMNS},
            region=d["region"].code,
            agency=d["agency"].pk if d.get("agency") else None,
            rooms=tuple(d.get("rooms") or ()),
        )


class AgencyForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(
        label=_("Registered in (division code)"),
        levels=[Level.PROVINCE, Level.CITY, Level.COUNTY],
    )

    class Meta:
        model = Agency
        fields = list(AGENCY_AUDIT)  # what the form edits is what the log keeps
        widgets = {"registered_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user).filter(level__lte=3)
        self.fields["credit_code"].widget.attrs.update(
            {"maxlength": 18, "class": "text-uppercase", "autocapitalize": "characters"}
        )

    def clean_credit_code(self):
        return normalize_credit_code(self.cleaned_data.get("credit_code") or "")

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")

    def to_input(self) -> AgencyInput:
        d = self.cleaned_data
        return AgencyInput(
            **{name: d.get(name) for name in self._meta.fields if name != "region"},
            region=d["region"].code,
        )
