from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput
from shegong.work.models import Activity, Case, Group, GroupSession

from .models import Donation, Donor, Organisation, ServiceEvent, Volunteer, VolunteerTeam
from .services import (
    AllocationInput,
    AttendanceInput,
    ConfirmInput,
    DonationInput,
    DonorInput,
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
            .order_by("-date")
        )
        self.fields["session"].queryset = (
            GroupSession.objects.filter(
                group__in=Group.objects.restrict(user, "change").filter(station_id=user.station_id)
            )
            .select_related("group")
            .order_by("-date")
        )
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("date", timezone.localdate())

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
            .order_by("-date")
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


class DonorForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("name", "kind")
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20, required=False)

    class Meta:
        model = Donor
        fields = ["name", "kind"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["contact_phone"] = self.instance.contact_phone

    def to_input(self) -> DonorInput:
        d = self.cleaned_data
        return DonorInput(
            name=d["name"], kind=d["kind"], contact_phone=d.get("contact_phone") or ""
        )


class DonationForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("donor", "kind", "amount", "received_on")
    restricted_region = forms.ChoiceField(label=_("For the village"), required=False)
    restriction = forms.ChoiceField(
        label=_("Restricted to"),
        choices=Donation.Restriction.choices,
        required=False,
        initial=Donation.Restriction.NONE,
    )

    class Meta:
        model = Donation
        fields = [
            "donor",
            "kind",
            "amount",
            "items",
            "received_on",
            "receipt_no",
            "restriction",
            "restricted_category",
            "restriction_note",
        ]
        widgets = {"received_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["donor"].queryset = Donor.objects.restrict(user, "change").filter(
            station_id=user.station_id
        )
        self.fields["restricted_region"].choices = [("", "—")] + [
            (r.code, r.name) for r in _villages(user)
        ]
        self.order_fields(
            [
                "donor",
                "kind",
                "amount",
                "items",
                "received_on",
                "receipt_no",
                "restriction",
                "restricted_category",
                "restricted_region",
            ]
        )
        if self.instance.pk and not self.is_bound and self.instance.restricted_region_id:
            self.initial["restricted_region"] = self.instance.restricted_region_id

    def to_input(self) -> DonationInput:
        d = self.cleaned_data
        return DonationInput(
            donor=d["donor"].pk if d.get("donor") else None,
            kind=d["kind"],
            amount=d["amount"],
            received_on=d["received_on"],
            items=d.get("items") or "",
            receipt_no=d.get("receipt_no") or "",
            restriction=d.get("restriction") or Donation.Restriction.NONE,
            restricted_category=d["restricted_category"].pk
            if d.get("restricted_category")
            else None,
            restricted_region=d.get("restricted_region") or "",
            restriction_note=d.get("restriction_note") or "",
        )


class AllocationForm(BootstrapFormMixin, forms.Form):
    required_fields = ("amount", "date")
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    date = forms.DateField(label=_("Date"), widget=DateInput())
    activity = forms.ModelChoiceField(
        label=_("Community activity"), queryset=Activity.objects.none(), required=False
    )
    case = forms.ModelChoiceField(label=_("Case"), queryset=Case.objects.none(), required=False)
    group = forms.ModelChoiceField(label=_("Group"), queryset=Group.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, user, donation, **kwargs):
        super().__init__(*args, **kwargs)
        self.donation = donation
        mine = {"station_id": user.station_id}
        self.fields["activity"].queryset = (
            Activity.objects.restrict(user, "change").filter(**mine).order_by("-date")
        )
        self.fields["case"].queryset = (
            Case.objects.restrict(user, "change").filter(**mine).order_by("-pk")
        )
        self.fields["group"].queryset = (
            Group.objects.restrict(user, "change").filter(**mine).order_by("-pk")
        )
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def to_input(self) -> AllocationInput:
        d = self.cleaned_data
        return AllocationInput(
            donation=self.donation.pk,
            amount=d["amount"],
            date=d["date"],
            activity=d["activity"].pk if d.get("activity") else None,
            case=d["case"].pk if d.get("case") else None,
            group=d["group"].pk if d.get("group") else None,
            note=d.get("note") or "",
        )


class AllocationApiForm(BootstrapFormMixin, forms.Form):
    """An allocation by ids (the API's body)."""

    required_fields = ("donation", "amount", "date")
    donation = forms.IntegerField(label=_("Donation"), min_value=1)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), min_value=0, max_digits=12, decimal_places=2
    )
    date = forms.DateField(label=_("Date"))
    activity = forms.IntegerField(label=_("Community activity"), min_value=1, required=False)
    case = forms.IntegerField(label=_("Case"), min_value=1, required=False)
    group = forms.IntegerField(label=_("Group"), min_value=1, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def to_input(self) -> AllocationInput:
        d = self.cleaned_data
        return AllocationInput(
            donation=d["donation"],
            amount=d["amount"],
            date=d["date"],
            activity=d.get("activity"),
            case=d.get("case"),
            group=d.get("group"),
            note=d.get("note") or "",
        )
