import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput
from shegong.work.models import Activity, Group, GroupSession

from .models import Organisation, ServiceEvent, Volunteer, VolunteerTeam
from .services import (
    AttendanceInput,
    ConfirmInput,
    EventInput,
    OrganisationInput,
    RedeemInput,
    SignInput,
    TeamInput,
    VolunteerInput,
)


def _villages(user, levels=(Level.VILLAGE,)):
    return Region.objects.restrict(user).filter(level__in=levels).order_by("code")


def _station_volunteers(user):
    return (
        Volunteer.objects.restrict(user, "change")
        .filter(station_id=user.station_id, is_active=True)
        .order_by("number")
    )


class VolunteerForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("name", "phone", "region", "political_status", "consent")
    id_number = forms.CharField(label=_("ID number"), max_length=18, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20)

    class Meta:
        model = Volunteer
        fields = [
            "name",
            "region",
            "political_status",
            "skills",
            "availability",
            "consent",
            "consent_date",
            "is_active",
        ]
        widgets = {"consent_date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _villages(user)
        self.order_fields(["name", "id_number", "phone", "region", "political_status"])
        if self.instance.pk and not self.is_bound:
            # the worker who may change the volunteer reads the full values to correct them
            self.initial["id_number"] = self.instance.id_number
            self.initial["phone"] = self.instance.phone

    def to_input(self) -> VolunteerInput:
        d = self.cleaned_data
        return VolunteerInput(
            name=d["name"],
            phone=d["phone"],
            region=d["region"].code,
            political_status=d["political_status"],
            consent=d["consent"],
            id_number=d.get("id_number") or "",
            skills=d.get("skills") or "",
            availability=d.get("availability") or "",
            consent_date=d.get("consent_date"),
            is_active=d.get("is_active", True),
        )


class TeamForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("name", "kind")

    class Meta:
        model = VolunteerTeam
        fields = ["name", "kind", "members", "leader"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        pool = _station_volunteers(user)
        self.fields["members"].queryset = pool
        self.fields["members"].widget = forms.CheckboxSelectMultiple()
        self.fields["members"].choices = [
            (v.pk, f"{v.number} {v.name}（{v.get_political_status_display()}）") for v in pool
        ]
        self.fields["leader"].queryset = pool

    def to_input(self) -> TeamInput:
        d = self.cleaned_data
        return TeamInput(
            name=d["name"],
            kind=d["kind"],
            members=tuple(v.pk for v in d["members"]),
            leader=d["leader"].pk if d.get("leader") else None,
        )


class EventForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("title", "content", "date", "region")
    volunteers = forms.ModelMultipleChoiceField(
        label=_("Sign up volunteers"),
        queryset=Volunteer.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(),
    )

    class Meta:
        model = ServiceEvent
        fields = ["title", "content", "date", "region", "activity", "session"]
        widgets = {"date": DateInput(), "content": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _villages(user, (Level.TOWNSHIP, Level.VILLAGE))
        self.fields["region"].label = _("Place")
        pool = _station_volunteers(user)
        self.fields["volunteers"].queryset = pool
        self.fields["volunteers"].choices = [(v.pk, f"{v.number} {v.name}") for v in pool]
        self.fields["activity"].queryset = (
            Activity.objects.restrict(user, "change")
            .filter(station_id=user.station_id)
            .order_by("-date")[:200]
        )
        self.fields["session"].queryset = (
            GroupSession.objects.filter(
                group__in=Group.objects.restrict(user, "change").filter(station_id=user.station_id)
            )
            .select_related("group")
            .order_by("-date")[:200]
        )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("date", datetime.date.today())

    def to_input(self) -> EventInput:
        d = self.cleaned_data
        return EventInput(
            title=d["title"],
            content=d["content"],
            date=d["date"],
            region=d["region"].code,
            volunteers=tuple(v.pk for v in d["volunteers"]),
            activity=d["activity"].pk if d.get("activity") else None,
            session=d["session"].pk if d.get("session") else None,
        )


class AttendanceForm(BootstrapFormMixin, forms.Form):
    present = forms.TypedMultipleChoiceField(
        label=_("Came"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple()
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (s.volunteer_id, f"{s.volunteer.number} {s.volunteer.name}") for s in services
        ]

    def to_input(self) -> AttendanceInput:
        return AttendanceInput(present=tuple(self.cleaned_data["present"]))


class ConfirmForm(BootstrapFormMixin, forms.Form):
    required_fields = ("volunteers", "hours")
    volunteers = forms.TypedMultipleChoiceField(
        label=_("Volunteers"), coerce=int, widget=forms.CheckboxSelectMultiple()
    )
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0, max_value=24, decimal_places=2, max_digits=4
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteers"].choices = [
            (s.volunteer_id, f"{s.volunteer.number} {s.volunteer.name}") for s in services
        ]

    def to_input(self) -> ConfirmInput:
        return ConfirmInput(
            volunteers=tuple(self.cleaned_data["volunteers"]), hours=self.cleaned_data["hours"]
        )


class SignForm(BootstrapFormMixin, forms.Form):
    number = forms.CharField(label=_("Volunteer number"), max_length=20)
    last4 = forms.CharField(
        label=_("Last four digits of your phone"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def to_input(self) -> SignInput:
        return SignInput(number=self.cleaned_data["number"], last4=self.cleaned_data["last4"])


class OrganisationForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("name", "kind", "stage", "region", "leader")
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    class Meta:
        model = Organisation
        fields = [
            "name",
            "kind",
            "stage",
            "region",
            "members",
            "leader",
            "services",
            "support",
            "founded_on",
            "filed_on",
            "activities",
        ]
        widgets = {
            "founded_on": DateInput(),
            "filed_on": DateInput(),
            "support": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = _villages(user, (Level.TOWNSHIP, Level.VILLAGE))
        self.fields["activities"].queryset = (
            Activity.objects.restrict(user, "change")
            .filter(station_id=user.station_id)
            .order_by("-date")[:200]
        )
        self.fields["activities"].required = False
        self.order_fields(["name", "kind", "stage", "region", "members", "leader", "contact_phone"])
        if self.instance.pk and not self.is_bound:
            self.initial["contact_phone"] = self.instance.contact_phone

    def to_input(self) -> OrganisationInput:
        d = self.cleaned_data
        return OrganisationInput(
            name=d["name"],
            kind=d["kind"],
            stage=d["stage"],
            region=d["region"].code,
            leader=d["leader"],
            members=d.get("members") or 0,
            contact_phone=d.get("contact_phone") or "",
            services=d.get("services") or "",
            support=d.get("support") or "",
            founded_on=d.get("founded_on"),
            filed_on=d.get("filed_on"),
            activities=tuple(a.pk for a in d.get("activities") or ()),
        )


class RedeemForm(BootstrapFormMixin, forms.Form):
    required_fields = ("points", "note")
    points = forms.DecimalField(
        label=_("Points"),
        min_value=0,
        max_digits=8,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"aria-label": _("Points"), "placeholder": _("Points")}),
    )
    note = forms.CharField(
        label=_("Redeemed for"),
        max_length=100,
        widget=forms.TextInput(
            attrs={"aria-label": _("Redeemed for"), "placeholder": _("Redeemed for")}
        ),
    )

    def to_input(self) -> RedeemInput:
        return RedeemInput(points=self.cleaned_data["points"], note=self.cleaned_data["note"])
