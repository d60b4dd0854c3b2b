"""Forms of the purchase cycle: they parse what was typed into the services' inputs."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.bounds import AMOUNT_VALIDATORS, MAX_AMOUNT_YUAN
from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import validate_document
from shegong.regions.forms import RegionCodeField
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput
from shegong.stations.models import Agency, Station

from .models import (
    SUB_ITEMS,
    Category,
    Contract,
    Filing,
    FilingDocument,
    FundSource,
    Instalment,
    Output,
    Project,
    ServiceField,
    Spending,
)
from .services import ContractInput, FilingInput, ProjectInput, SpendingInput, TargetsInput


class DocumentField(forms.FileField):
    """One document (PDF or image), checked by content and size: cleans to (file, kind)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.ClearableFileInput(
                attrs={"accept": "application/pdf,image/jpeg,image/png,image/webp"}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload:
            return None
        return (upload, validate_document(upload))


def _amount(label, *, required=False):
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal(0),
        max_value=MAX_AMOUNT_YUAN,
        max_digits=14,
        decimal_places=2,
    )


# ----- filing ----------------------------------------------------------------------------


class FilingForm(BootstrapFormMixin, forms.ModelForm):
    service_fields = forms.MultipleChoiceField(
        label=_("Service fields"), choices=ServiceField.choices, widget=forms.CheckboxSelectMultiple
    )
    certificate = DocumentField(label=_("Registration certificate"), required=False)
    articles = DocumentField(label=_("Articles of association"), required=False)
    qualification = DocumentField(label=_("Qualification"), required=False)

    class Meta:
        model = Filing
        fields = [
            "legal_representative",
            "registration_authority",
            "certificate_number",
            "founded_on",
            "service_fields",
            "qualifications",
        ]
        widgets = {"founded_on": DateInput(), "qualifications": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.instance.pk and user.agency_id:
            self.initial.setdefault("legal_representative", user.agency.legal_representative)
            self.initial.setdefault("founded_on", user.agency.registered_on)

    def to_input(self) -> FilingInput:
        d = self.cleaned_data
        documents = tuple(
            (kind, *d[name])
            for name, kind in (
                ("certificate", FilingDocument.Kind.CERTIFICATE),
                ("articles", FilingDocument.Kind.ARTICLES),
                ("qualification", FilingDocument.Kind.QUALIFICATION),
            )
            if d.get(name)
        )
        return FilingInput(
            legal_representative=d["legal_representative"],
            registration_authority=d["registration_authority"],
            certificate_number=d["certificate_number"],
            founded_on=d.get("founded_on"),
            service_fields=tuple(d.get("service_fields") or ()),
            qualifications=d.get("qualifications") or "",
            documents=documents,
        )


class DecisionForm(forms.Form):
    """Approve, or return / reject with a reason."""

    approve = forms.BooleanField(required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


# ----- projects --------------------------------------------------------------------------


class ProjectForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(
        label=_("Purchaser: county (the civil-affairs bureau) or township (its government)"),
        levels=[Level.COUNTY, Level.TOWNSHIP],
    )

    class Meta:
        model = Project
        fields = ["title", "region", "year", "method", "notice_number"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user).filter(
            level__in=(Level.COUNTY, Level.TOWNSHIP)
        )
        saved = (
            {f.source: f.amount for f in self.instance.funding.all()} if self.instance.pk else {}
        )
        for source in FundSource:
            self.fields[f"fund_{source.value}"] = _amount(source.label)
            if source.value in saved:
                self.initial[f"fund_{source.value}"] = saved[source.value]
        if not self.instance.pk:
            self.initial.setdefault("year", timezone.localdate().year)
            self.initial.setdefault("region", user.scope_code)
        for name, field in self.fields.items():
            if name.startswith("fund_"):
                field.widget.attrs.setdefault("class", "form-control")
                field.widget.attrs["inputmode"] = "decimal"

    def fund_fields(self):
        return [self[f"fund_{s.value}"] for s in FundSource]

    def to_input(self) -> ProjectInput:
        d = self.cleaned_data
        return ProjectInput(
            title=d["title"],
            region=d["region"].code,
            year=d.get("year"),
            method=d["method"],
            notice_number=d.get("notice_number") or "",
            funding=tuple(
                (s.value, d[f"fund_{s.value}"]) for s in FundSource if d.get(f"fund_{s.value}")
            ),
        )


# ----- contracts -------------------------------------------------------------------------

INSTALMENT_ROWS = 4
DEFAULT_CONDITIONS = [
    Instalment.Condition.SIGNING,
    Instalment.Condition.MID_EVALUATION,
    Instalment.Condition.FINAL_EVALUATION,
]


class ContractForm(BootstrapFormMixin, forms.ModelForm):
    stations = forms.ModelMultipleChoiceField(
        label=_("Stations covered"),
        queryset=Station.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Contract
        fields = [
            "project",
            "agency",
            "number",
            "signed_on",
            "starts_on",
            "ends_on",
            "amount",
            "stations",
        ]
        widgets = {
            "signed_on": DateInput(),
            "starts_on": DateInput(),
            "ends_on": DateInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        projects = Project.objects.restrict(user, "change").select_related("region")
        self.fields["project"].queryset = projects.order_by("-year", "title")
        self.fields["agency"].queryset = (
            Agency.objects.restrict(user)
            .filter(filing__status=Filing.Status.APPROVED)
            .order_by("name")
        )
        self.fields["agency"].help_text = _("Only agencies whose filing is approved are listed.")
        self.fields["stations"].queryset = (
            Station.objects.restrict(user)
            .filter(tier=Station.Tier.TOWNSHIP, is_active=True)
            .select_related("agency")
            .order_by("region_id")
        )
        self.fields["stations"].label_from_instance = lambda s: (
            f"{s.name}（{s.agency.name}）" if s.agency_id else s.name
        )
        saved_budget = (
            {b.category: b.amount for b in self.instance.budget.all()} if self.instance.pk else {}
        )
        for category in Category:
            name = f"budget_{category.value}"
            self.fields[name] = _amount(category.label)
            if category.value in saved_budget:
                self.initial[name] = saved_budget[category.value]
        saved = list(self.instance.instalments.order_by("seq")) if self.instance.pk else []
        for i in range(INSTALMENT_ROWS):
            self.fields[f"inst{i}_condition"] = forms.ChoiceField(
                label=_("Instalment %(n)s: condition") % {"n": i + 1},
                choices=[("", "—"), *Instalment.Condition.choices],
                required=False,
            )
            self.fields[f"inst{i}_amount"] = _amount(_("Instalment %(n)s: amount") % {"n": i + 1})
            if i < len(saved):
                self.initial[f"inst{i}_condition"] = saved[i].condition
                self.initial[f"inst{i}_amount"] = saved[i].amount
            elif not saved and i < len(DEFAULT_CONDITIONS):
                self.initial[f"inst{i}_condition"] = DEFAULT_CONDITIONS[i]
        for name, field in self.fields.items():
            if name.startswith(("budget_", "inst")):
                css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
                field.widget.attrs.setdefault("class", css)

    def budget_fields(self):
        return [self[f"budget_{c.value}"] for c in Category]

    def instalment_rows(self):
        return [
            (self[f"inst{i}_condition"], self[f"inst{i}_amount"]) for i in range(INSTALMENT_ROWS)
        ]

    def to_input(self) -> ContractInput:
        d = self.cleaned_data
        rows = [
            (d.get(f"inst{i}_condition"), d.get(f"inst{i}_amount")) for i in range(INSTALMENT_ROWS)
        ]
        return ContractInput(
            project=d["project"].pk,
            agency=d["agency"].pk,
            number=d["number"],
            signed_on=d.get("signed_on"),
            starts_on=d.get("starts_on"),
            ends_on=d.get("ends_on"),
            amount=d.get("amount"),
            stations=tuple(s.pk for s in d.get("stations") or ()),
            budget=tuple(
                (c.value, d[f"budget_{c.value}"]) for c in Category if d.get(f"budget_{c.value}")
            ),
            instalments=tuple((c, a) for c, a in rows if c and a),
        )


class TargetsForm(forms.Form):
    """The agreed outputs of a contract: one number per station and output."""

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract = contract
        self.stations = list(contract.stations.order_by("region_id"))
        saved = {(t.station_id, t.output): t.value for t in contract.targets.all()}
        for station in self.stations:
            for output in Output:
                name = f"t_{station.pk}_{output.value}"
                self.fields[name] = forms.IntegerField(
                    label=f"{station.name} · {output.label}",
                    required=False,
                    min_value=0,
                    max_value=10_000_000,
                    widget=forms.NumberInput(
                        attrs={"class": "form-control form-control-sm", "inputmode": "numeric"}
                    ),
                )
                if (station.pk, output.value) in saved:
                    self.initial[name] = saved[(station.pk, output.value)]

    def grid(self):
        return [(s, [self[f"t_{s.pk}_{o.value}"] for o in Output]) for s in self.stations]

    def to_input(self) -> TargetsInput:
        d = self.cleaned_data
        return TargetsInput(
            rows=tuple(
                (s.pk, o.value, d.get(f"t_{s.pk}_{o.value}"))
                for s in self.stations
                for o in Output
                if d.get(f"t_{s.pk}_{o.value}")
            )
        )


class ConfirmForm(forms.Form):
    met_on = forms.DateField(label=_("Condition met on"), widget=DateInput())


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())
    amount = forms.DecimalField(
        label=_("Amount paid (yuan)"), max_digits=14, decimal_places=2, validators=AMOUNT_VALIDATORS
    )


# ----- spending --------------------------------------------------------------------------


class SpendingForm(BootstrapFormMixin, forms.ModelForm):
    sub_item = forms.ChoiceField(label=_("Sub-item"))
    voucher = DocumentField(label=_("Voucher (PDF or photo)"))

    class Meta:
        model = Spending
        fields = [
            "contract",
            "station",
            "date",
            "category",
            "sub_item",
            "amount",
            "payee",
            "over_budget_reason",
        ]
        widgets = {"date": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        contracts = Contract.objects.restrict(user).order_by("-starts_on")
        self.fields["contract"].queryset = contracts
        self.fields["station"].queryset = (
            Station.objects.filter(contracts__in=contracts).distinct().order_by("region_id")
        )
        self.fields["sub_item"].choices = [
            (str(Category(c).label), [(s, s) for s in items]) for c, items in SUB_ITEMS.items()
        ]
        self.fields["over_budget_reason"].help_text = _(
            "Only when this entry takes the category past its budget."
        )
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
        self.fields["sub_item"].widget.attrs["class"] = "form-select"

    def to_input(self) -> SpendingInput:
        d = self.cleaned_data
        return SpendingInput(
            contract=d["contract"].pk,
            station=d["station"].pk,
            date=d.get("date"),
            category=d["category"],
            sub_item=d["sub_item"],
            amount=d.get("amount"),
            payee=d["payee"],
            voucher=d.get("voucher"),
            over_budget_reason=d.get("over_budget_reason") or "",
        )
