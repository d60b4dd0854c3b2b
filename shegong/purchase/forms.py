"""Forms of the purchase cycle: they parse what was typed into the services' inputs."""

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.core.bounds import AMOUNT_VALIDATORS, MAX_AMOUNT_YUAN
from shegong.core.forms import BootstrapFormMixin, DocumentField
from shegong.core.tables import cell_text
from shegong.core.xlsx import read_lines
from shegong.regions.forms import RegionCodeField
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput
from shegong.stations.models import Agency, Station

from .models import (
    INSURANCES,
    SUB_ITEMS,
    Category,
    Contract,
    Filing,
    FilingDocument,
    FundSource,
    Instalment,
    LabourContract,
    Output,
    Payroll,
    Project,
    ServiceField,
    Spending,
)
from .services import (
    ContractInput,
    FilingInput,
    LabourContractInput,
    PayrollRow,
    ProjectInput,
    SpendingInput,
    SubsidyInput,
    TargetsInput,
    agency_staff,
)


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


# ----- employment ------------------------------------------------------------------------


class LabourContractForm(BootstrapFormMixin, forms.ModelForm):
    document = DocumentField(label=_("Contract document (PDF or photo)"))

    class Meta:
        model = LabourContract
        fields = ["worker", "kind", "starts_on", "ends_on", "pay_day"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = agency_staff(agency_id=user.agency_id).order_by(
            "station__region_id", "full_name"
        )
        self.fields["worker"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.station.name}）"
        )

    def to_input(self) -> LabourContractInput:
        d = self.cleaned_data
        return LabourContractInput(
            worker=d["worker"].pk,
            kind=d["kind"],
            starts_on=d.get("starts_on"),
            ends_on=d.get("ends_on"),
            pay_day=d.get("pay_day"),
            document=d.get("document"),
        )


class MonthField(forms.DateField):
    """A month typed as 2026-03 (or picked with a month input): its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class PayrollForm(BootstrapFormMixin, forms.ModelForm):
    month = MonthField(label=_("Month"))

    class Meta:
        model = Payroll
        fields = [
            "worker",
            "month",
            "gross",
            "net",
            "paid_on",
            "pension",
            "medical",
            "unemployment",
            "injury",
            "maternity",
            "housing_fund",
        ]
        widgets = {"paid_on": DateInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = agency_staff(agency_id=user.agency_id).order_by(
            "station__region_id", "full_name"
        )
        self.fields["worker"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.station.name}）"
        )

    def _get_validation_exclusions(self):
        """The service corrects a month already recorded and checks net against gross (on
        the ``net`` field): the table's constraints are not form-wide errors here."""
        return {*super()._get_validation_exclusions(), "month", "net"}

    def to_input(self) -> PayrollRow:
        d = self.cleaned_data
        return PayrollRow(
            worker=d["worker"].pk,
            month=d.get("month"),
            gross=d.get("gross"),
            net=d.get("net"),
            paid_on=d.get("paid_on"),
            **{name: bool(d.get(name)) for name in (*INSURANCES, "housing_fund")},
        )


# the payroll sheet's columns, as the template writes them and the import reads them
SHEET_COLUMNS = [
    ("worker", "用户名"),
    ("name", "姓名"),
    ("gross", "应发工资（元）"),
    ("net", "实发工资（元）"),
    ("paid_on", "发放日期"),
    ("pension", "养老保险"),
    ("medical", "医疗保险"),
    ("unemployment", "失业保险"),
    ("injury", "工伤保险"),
    ("maternity", "生育保险"),
    ("housing_fund", "住房公积金"),
]
YES = {"是", "已缴", "已交", "√", "✓", "y", "yes", "1", "true", "t"}
NO = {"否", "未缴", "未交", "×", "n", "no", "0", "false", "f", ""}


def _parse_line(line: int, cells: dict, month) -> tuple[PayrollRow | None, list[str]]:
    problems = []

    def fail(label, message):
        problems.append(
            _("Line %(line)s, %(field)s: %(message)s")
            % {"line": line, "field": label, "message": message}
        )

    values = {}
    for key, label in SHEET_COLUMNS:
        raw = cells.get(key)
        if key in ("gross", "net"):
            try:
                values[key] = Decimal(cell_text(raw).replace(",", "")).quantize(Decimal("0.01"))
            except ArithmeticError:
                fail(label, _("not an amount"))
        elif key == "paid_on":
            if isinstance(raw, datetime.datetime):
                values[key] = raw.date()
            elif isinstance(raw, datetime.date):
                values[key] = raw
            elif cell_text(raw):
                try:
                    values[key] = datetime.date.fromisoformat(cell_text(raw)[:10])
                except ValueError:
                    fail(label, _("not a date (2026-03-10)"))
            else:
                values[key] = None
        elif key in (*INSURANCES, "housing_fund"):
            text = cell_text(raw).lower()
            if raw is True or text in YES:
                values[key] = True
            elif raw is False or text in NO:
                values[key] = False
            else:
                fail(label, _("write 是 or 否"))
    if problems:
        return None, problems
    return (
        PayrollRow(
            worker=cell_text(cells.get("worker")),
            month=month,
            gross=values["gross"],
            net=values["net"],
            paid_on=values["paid_on"],
            **{k: values[k] for k in (*INSURANCES, "housing_fund")},
            line=line,
        ),
        [],
    )


class PayrollImportForm(forms.Form):
    """A month of an agency's pay from its spreadsheet (the template's columns): every
    line parsed, and every problem reported by line; the service saves all or nothing."""

    month = MonthField(label=_("Month"))
    file = forms.FileField(
        label=_("Payroll sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self):
        data = super().clean()
        upload, month = data.get("file"), data.get("month")
        if not upload or not month:
            return data
        rows, problems = [], []
        for number, cells in read_lines(upload, columns=SHEET_COLUMNS, marker="用户名"):
            row, errors = _parse_line(number, cells, month)
            if row:
                rows.append(row)
            problems += errors
        if problems:
            raise forms.ValidationError({"file": problems})
        data["rows"] = tuple(rows)
        return data


class SubsidyForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2018, max_value=2100)
    v1 = forms.DecimalField(
        label=_("Per 1.0 station (yuan)"), min_value=0, max_value=MAX_AMOUNT_YUAN, decimal_places=2
    )
    v2 = forms.DecimalField(
        label=_("Per 2.0 station (yuan)"), min_value=0, max_value=MAX_AMOUNT_YUAN, decimal_places=2
    )
    v3 = forms.DecimalField(
        label=_("Per 3.0 station (yuan)"), min_value=0, max_value=MAX_AMOUNT_YUAN, decimal_places=2
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def to_input(self) -> SubsidyInput:
        d = self.cleaned_data
        return SubsidyInput(year=d["year"], v1=d["v1"], v2=d["v2"], v3=d["v3"])
