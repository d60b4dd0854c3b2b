from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES, Role
from shegong.core.divisions import in_subtree
from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import validate_document
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput

from .models import SocialWorkerProfile
from .services import PROFILE_COLUMNS, ProfileInput, RegistrationInput, TrainingInput


class SocialWorkerProfileForm(BootstrapFormMixin, forms.ModelForm):
    """A worker's education, qualification and designated villages.

    Villages offered (and accepted) are those under the worker's own station only.
    """

    designated_villages = forms.ModelMultipleChoiceField(
        label=_("Designated villages (定点联系)"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = SocialWorkerProfile
        fields = [
            "birth_date",
            "education",
            "major",
            "social_work_major",
            "qualification",
            "certificate_no",
            "certificate_date",
            "hire_date",
            "designated_villages",
            "on_public_board",
        ]
        widgets = {
            "birth_date": DateInput(),
            "certificate_date": DateInput(),
            "hire_date": DateInput(),
        }

    def __init__(self, *args, station, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Region.objects.none()
        if station is not None:
            villages = Region.objects.filter(
                in_subtree("code", station.region_id), level=Level.VILLAGE
            ).order_by("code")
        self.fields["designated_villages"].queryset = villages

    def to_input(self) -> ProfileInput:
        d = self.cleaned_data
        return ProfileInput(
            **{name: d.get(name) for name in PROFILE_COLUMNS},
            designated_villages=tuple(r.code for r in d.get("designated_villages") or ()),
        )


class TrainingRecordForm(BootstrapFormMixin, forms.ModelForm):
    """A lead records for anyone at the station; a worker for themselves."""

    class Meta:
        from .models import TrainingRecord

        model = TrainingRecord
        fields = ["worker", "kind", "date", "hours", "organiser", "topic", "supervisor"]
        widgets = {"date": DateInput(), "hours": forms.NumberInput(attrs={"step": "0.5"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)

        staff = User.objects.filter(
            station_id=user.station_id, role__in=STATION_ROLES, is_active=True
        )
        if user.role != Role.STATION_LEAD:
            staff = staff.filter(pk=user.pk)
        self.fields["worker"].queryset = staff.order_by("full_name")
        self.fields["worker"].initial = user.pk

    def to_input(self) -> TrainingInput:
        d = self.cleaned_data
        return TrainingInput(
            **{name: d[name] for name in self._meta.fields if name != "worker"},
            worker=d["worker"].pk,
        )


class RegistrationForm(BootstrapFormMixin, forms.ModelForm):
    """A worker's own registration: education, qualification, certificate and its scan."""

    scan = forms.FileField(
        label=_("Scan of the certificate (PDF or photo)"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
        ),
    )

    class Meta:
        model = SocialWorkerProfile
        fields = [
            "education",
            "major",
            "social_work_major",
            "qualification",
            "certificate_no",
            "certificate_date",
        ]
        widgets = {"certificate_date": DateInput()}

    def clean_scan(self):
        upload = self.cleaned_data.get("scan")
        return (upload, validate_document(upload)) if upload else None

    def clean_certificate_no(self):
        return (self.cleaned_data.get("certificate_no") or "").strip().upper()

    def to_input(self) -> RegistrationInput:
        d = self.cleaned_data
        return RegistrationInput(
            education=d.get("education") or "",
            major=d.get("major") or "",
            social_work_major=bool(d.get("social_work_major")),
            qualification=d.get("qualification") or "none",
            certificate_no=d.get("certificate_no") or "",
            certificate_date=d.get("certificate_date"),
            scan=d.get("scan"),
        )
