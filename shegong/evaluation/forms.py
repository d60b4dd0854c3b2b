"""Forms of the evaluation cycle: they parse what was typed (or the Excel uploaded) into
the services' inputs; every rule is the services'."""

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.core.forms import BootstrapFormMixin, DocumentField
from shegong.core.xlsx import read_lines
from shegong.regions.forms import RegionCodeField
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput
from shegong.stations.models import Station

from . import trees
from .models import Appeal, EvaluationAgency, Node, Rectification, Round, Sheet, Tree
from .services import (
    AnswerInput,
    AssignmentInput,
    EvaluationAgencyInput,
    RectificationReport,
    RoundInput,
    ScoreLine,
    SheetInput,
    StarDecisionInput,
    StarInput,
    TreeInput,
)


def _years():
    this = timezone.localdate().year
    return [(y, str(y)) for y in range(this + 1, 2017, -1)]


class TreeImportForm(BootstrapFormMixin, forms.ModelForm):
    """A tree from its Excel sheet: every line read, every problem named by line."""

    file = forms.FileField(
        label=_("Indicator sheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text=_("Columns 一级指标 / 二级指标 / 评分标准 / 分值 / 佐证材料; see the template."),
    )

    class Meta:
        model = Tree
        fields = ["region_code", "year", "title", "total", "source"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.instance.pk:
            code = user.scope_code or ""
            self.initial.setdefault("region_code", code[:4] if len(code) >= 4 else code[:2])
            self.initial.setdefault("year", timezone.localdate().year)

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            nodes, problems = trees.parse(
                read_lines(
                    upload, columns=trees.COLUMNS, marker="评分标准", required=trees.REQUIRED
                )
            )
            if problems:
                raise forms.ValidationError({"file": problems[:50]})
            data["nodes"] = tuple(nodes)
        return data

    def to_input(self) -> TreeInput:
        d = self.cleaned_data
        return TreeInput(
            region_code=d["region_code"],
            year=d["year"],
            title=d["title"],
            nodes=d.get("nodes", ()),
            total=d.get("total") or Decimal(100),
            source=d.get("source") or "",
        )


class TreeCopyForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Service year"), coerce=int, choices=_years)
    title = forms.CharField(label=_("Title"), max_length=128)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if f.widget.input_type == "select" else "form-control"
            )


class EvaluationAgencyForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(
        label=_("Registered in (division code)"),
        levels=[Level.PROVINCE, Level.CITY, Level.COUNTY],
    )
    members = forms.ModelMultipleChoiceField(
        label=_("Evaluators"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = EvaluationAgency
        fields = ["name", "credit_code", "region", "contact_person", "phone", "members"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = User.objects.restrict(user).filter(
            role=Role.EVALUATOR, is_active=True
        )
        self.fields["members"].label_from_instance = lambda u: u.display_name
        self.fields["region"].queryset = Region.objects.restrict(user).filter(
            level__in=(Level.PROVINCE, Level.CITY, Level.COUNTY)
        )
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id
        else:
            self.initial.setdefault("region", user.scope_code)

    def to_input(self) -> EvaluationAgencyInput:
        d = self.cleaned_data
        return EvaluationAgencyInput(
            name=d["name"],
            credit_code=d["credit_code"],
            region=d["region"].code if d.get("region") else "",
            members=tuple(m.pk for m in d.get("members") or ()),
            contact_person=d.get("contact_person") or "",
            phone=d.get("phone") or "",
        )


class RoundForm(BootstrapFormMixin, forms.ModelForm):
    region = RegionCodeField(
        label=_("County or city (division code)"), levels=[Level.CITY, Level.COUNTY]
    )

    class Meta:
        model = Round
        fields = [
            "region",
            "year",
            "kind",
            "tier",
            "title",
            "tree",
            "opens_on",
            "closes_on",
            "appeal_days",
            "rectify_below",
            "rectify_days",
            "sample_share",
            "seed",
        ]
        widgets = {"opens_on": DateInput(), "closes_on": DateInput()}
        help_texts = {
            "sample_share": _("A spot check only: at least 30 % of the stations, drawn at random."),
            "seed": _("Left empty, a seed is chosen; anyone with it can redo the draw."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tree"].queryset = Tree.objects.restrict(user).filter(
            status=Tree.Status.PUBLISHED
        )
        self.fields["region"].queryset = Region.objects.restrict(user).filter(
            level__in=(Level.CITY, Level.COUNTY)
        )
        self.fields["year"] = forms.TypedChoiceField(
            label=_("Service year"), coerce=int, choices=_years
        )
        self.fields["year"].widget.attrs["class"] = "form-select"
        if self.instance.pk:
            self.initial["region"] = self.instance.region_id
            for name in ("region", "year", "kind", "tier", "tree", "sample_share", "seed"):
                self.fields[name].disabled = True
        else:
            self.initial.setdefault("region", user.scope_code)
            self.initial.setdefault("year", timezone.localdate().year)

    def to_input(self) -> RoundInput:
        d = self.cleaned_data
        tree = d.get("tree")
        return RoundInput(
            region=d["region"].code if d.get("region") else "",
            year=d["year"],
            kind=d["kind"],
            tier=d.get("tier") or Station.Tier.TOWNSHIP,
            title=d["title"],
            tree=tree.pk if tree else None,
            opens_on=d.get("opens_on"),
            closes_on=d.get("closes_on"),
            appeal_days=d.get("appeal_days") or 7,
            rectify_below=d["rectify_below"] if d.get("rectify_below") is not None else Decimal(60),
            rectify_days=d.get("rectify_days") or 30,
            sample_share=d.get("sample_share"),
            seed=d.get("seed") or "",
        )


class AssignmentForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    agency = forms.ModelChoiceField(
        label=_("Evaluation agency"), queryset=EvaluationAgency.objects.none()
    )
    evaluator = forms.ModelChoiceField(label=_("Evaluator"), queryset=User.objects.none())
    is_lead = forms.BooleanField(label=_("Lead evaluator"), required=False)

    def __init__(self, *args, user, round, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = round.stations.order_by("region_id", "name")
        self.fields["agency"].queryset = EvaluationAgency.objects.restrict(user)
        self.fields["evaluator"].queryset = User.objects.filter(
            role=Role.EVALUATOR,
            is_active=True,
            evaluation_agencies__in=self.fields["agency"].queryset,
        ).distinct()
        self.fields["evaluator"].label_from_instance = lambda u: u.display_name
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-check-input" if isinstance(f, forms.BooleanField) else "form-select"
            )

    def to_input(self) -> AssignmentInput:
        d = self.cleaned_data
        return AssignmentInput(
            station=d["station"].pk,
            evaluator=d["evaluator"].pk,
            agency=d["agency"].pk,
            is_lead=bool(d.get("is_lead")),
        )


class SheetForm(forms.ModelForm):
    """A sheet's scores: for each item a score, a comment, a flag and a piece of evidence;
    "submit" locks the sheet once every item is scored."""

    action = forms.ChoiceField(
        choices=[("draft", _("Save draft")), ("submit", _("Submit"))], required=False
    )

    class Meta:
        model = Sheet
        fields: list = []

    def __init__(self, *args, items: list[Node], **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items
        scores = {s.item_id: s for s in self.instance.scores.all()} if self.instance.pk else {}
        for item in items:
            given = scores.get(item.pk)
            self.fields[f"score_{item.pk}"] = forms.DecimalField(
                label=item.title,
                required=False,
                min_value=Decimal(0),
                max_value=item.max_score,
                max_digits=5,
                decimal_places=1,
                initial=given.score if given else None,
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-sm",
                        "step": "0.1",
                        "inputmode": "decimal",
                    }
                ),
            )
            self.fields[f"comment_{item.pk}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=500,
                initial=given.comment if given else "",
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )
            self.fields[f"flagged_{item.pk}"] = forms.BooleanField(
                label=_("Needs rectification"),
                required=False,
                initial=given.flagged if given else False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            self.fields[f"evidence_{item.pk}"] = DocumentField(label=_("Evidence"), required=False)
            self.fields[f"evidence_{item.pk}"].widget.attrs["class"] = (
                "form-control form-control-sm"
            )

    def to_input(self) -> SheetInput:
        d = self.cleaned_data
        lines, evidence = [], []
        for item in self.items:
            score = d.get(f"score_{item.pk}")
            comment = d.get(f"comment_{item.pk}") or ""
            flagged = bool(d.get(f"flagged_{item.pk}"))
            had = self.fields[f"score_{item.pk}"].initial is not None or bool(
                self.fields[f"comment_{item.pk}"].initial
            )
            if score is not None or comment or flagged or had:  # a cleared score is cleared
                lines.append(ScoreLine(item=item.pk, score=score, comment=comment, flagged=flagged))
            if d.get(f"evidence_{item.pk}"):
                evidence.append((item.pk, *d[f"evidence_{item.pk}"]))
        return SheetInput(
            scores=tuple(lines), submit=d.get("action") == "submit", evidence=tuple(evidence)
        )


class AppealForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


class AnswerForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = Appeal
        fields = ["status", "answer", "revised_score"]
        widgets = {"answer": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (Appeal.Status.UPHELD, Appeal.Status.UPHELD.label),
            (Appeal.Status.REVISED, Appeal.Status.REVISED.label),
        ]

    def to_input(self) -> AnswerInput:
        d = self.cleaned_data
        return AnswerInput(
            status=d.get("status") or "",
            answer=d.get("answer") or "",
            revised_score=d.get("revised_score"),
        )


class RectificationReportForm(BootstrapFormMixin, forms.ModelForm):
    evidence = DocumentField(label=_("Evidence (PDF or photo)"), required=False)
    evidence_2 = DocumentField(label=_("More evidence"), required=False)

    class Meta:
        model = Rectification
        fields = ["report"]
        widgets = {"report": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].required = False  # the service names what is missing

    def to_input(self) -> RectificationReport:
        d = self.cleaned_data
        return RectificationReport(
            report=d.get("report") or "",
            evidence=tuple(d[n] for n in ("evidence", "evidence_2") if d.get(n)),
        )


class CheckForm(forms.Form):
    accept = forms.BooleanField(required=False)
    note = forms.CharField(required=False, max_length=500)


class StarProposeForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    stars = forms.TypedChoiceField(
        label=_("Stars"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)]
    )
    result = forms.IntegerField(widget=forms.HiddenInput, required=False)
    basis = forms.CharField(
        label=_("Basis"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = (
            Station.objects.restrict(user)
            .exclude(tier=Station.Tier.CITY_CENTRE)
            .order_by("region_id", "name")
        )
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            )

    def to_input(self) -> StarInput:
        d = self.cleaned_data
        return StarInput(
            station=d["station"].pk if d.get("station") else None,
            stars=d.get("stars"),
            result=d.get("result"),
            basis=d.get("basis") or "",
        )


class StarDecideForm(forms.Form):
    approve = forms.BooleanField(required=False)
    valid_from = forms.DateField(required=False)
    note = forms.CharField(required=False, max_length=500)

    def to_input(self) -> StarDecisionInput:
        d = self.cleaned_data
        return StarDecisionInput(
            approve=bool(d.get("approve")), valid_from=d.get("valid_from"), note=d.get("note") or ""
        )


class RevokeForm(forms.Form):
    on = forms.DateField(required=False)
    note = forms.CharField(required=False, max_length=500)


class SummaryForm(forms.Form):
    year = forms.TypedChoiceField(label=_("Service year"), coerce=int, choices=_years)
    text = forms.CharField(
        label=_("Summary"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8, "class": "form-control"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["class"] = "form-select"
