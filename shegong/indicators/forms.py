from decimal import Decimal

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext as _

from shegong.core.divisions import in_subtree, parse_region_code
from shegong.core.forms import BootstrapFormMixin
from shegong.regions.models import Region

from .corrections import VoidInput
from .definitions import RULE_CHOICES
from .models import Rule, RuleSet
from .services import KEPT_FIELDS, RuleLine, RuleSetInput


class RuleForm(BootstrapFormMixin, forms.ModelForm):
    indicator = forms.ChoiceField(choices=RULE_CHOICES)

    class Meta:
        model = Rule
        fields = ["indicator", "op", "target", "upper", "minimum_count", "at_risk_margin", "note"]

    def clean(self):
        data = super().clean()
        op, target, upper = data.get("op"), data.get("target"), data.get("upper")
        if op == Rule.Op.BETWEEN and (upper is None or target is None or upper < target):
            self.add_error("upper", _("“Between” needs an upper bound at or above the target."))
        margin = data.get("at_risk_margin")
        if margin is not None and not (0 <= margin <= 100):
            self.add_error("at_risk_margin", _("The margin is a share between 0 and 100."))
        return data


RuleFormSetBase = inlineformset_factory(
    RuleSet, Rule, form=RuleForm, extra=2, can_delete=True, min_num=1, validate_min=True
)


class RuleFormSet(RuleFormSetBase):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.has_changed() or not hasattr(form, "cleaned_data"):
                continue
            if form.cleaned_data.get("DELETE"):
                continue
            code = form.cleaned_data.get("indicator")
            if code in seen:
                raise forms.ValidationError(_("Each indicator may appear once in a rule set."))
            seen.add(code)


class RuleSetForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = RuleSet
        fields = [
            "region_code",
            "year",
            "title",
            "source",
            "daily_hours_ceiling",
            "agency_training_as_county",
            "version2_share",
            "version3_share",
            *KEPT_FIELDS,
        ]

    def __init__(self, *args, user, rules_initial=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in KEPT_FIELDS:  # left empty: kept (the default if new)
            self.fields[name].required = False
        self.fields["daily_hours_ceiling"].required = False  # left empty: kept (12 if new)
        self.fields["version2_share"].required = False
        self.fields["version3_share"].required = False
        self.user = user
        self.rules = RuleFormSet(
            self.data if self.is_bound else None,
            instance=self.instance,
            prefix="rules",
            initial=rules_initial,
        )
        if rules_initial:
            self.rules.extra = len(rules_initial)

    def is_valid(self):
        return super().is_valid() & self.rules.is_valid()

    def clean_region_code(self):
        code = parse_region_code(self.cleaned_data.get("region_code")) or ""
        if len(code) not in (2, 4):
            raise forms.ValidationError(_("Give a province (2 digits) or city (4 digits) code."))
        region = Region.objects.filter(in_subtree("code", self.user.scope_code), code=code).first()
        if region is None:
            raise forms.ValidationError(_("This province or city is not in your area."))
        return code

    def to_input(self) -> RuleSetInput:
        """The set and its rules as typed (rows left empty or marked for deletion dropped)."""
        d = self.cleaned_data
        lines = [
            RuleLine(**{k: f[k] for k in RULE_FIELDS if k in f and f[k] is not None})
            for f in (form.cleaned_data for form in self.rules.forms if form.has_changed())
            if f and not f.get("DELETE")
        ]
        kept = [  # unchanged saved rows stay
            RuleLine(**{k: getattr(form.instance, k) for k in RULE_FIELDS})
            for form in self.rules.forms
            if form.instance.pk and not form.has_changed()
        ]
        return RuleSetInput(
            region_code=d["region_code"],
            year=d["year"],
            title=d["title"],
            source=d.get("source") or "",
            rules=tuple(kept + lines),
            daily_hours_ceiling=d.get("daily_hours_ceiling")
            or self.instance.daily_hours_ceiling
            or Decimal(12),
            agency_training_as_county=bool(d.get("agency_training_as_county")),
            version2_share=d.get("version2_share")
            if d.get("version2_share") is not None
            else self.instance.version2_share,
            version3_share=d.get("version3_share")
            if d.get("version3_share") is not None
            else self.instance.version3_share,
            **{
                name: d.get(name) if d.get(name) is not None else getattr(self.instance, name)
                for name in KEPT_FIELDS
            },
        )


RULE_FIELDS = ("indicator", "op", "target", "upper", "minimum_count", "at_risk_margin", "note")


class VoidForm(BootstrapFormMixin, forms.Form):
    """Why a record is voided, and the version it was read at (``corrections.void``)."""

    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 200}),
        help_text=_("The record stays, marked as voided, and leaves the figures."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def to_input(self) -> VoidInput:
        return VoidInput(
            reason=self.cleaned_data["reason"], version=self.cleaned_data.get("version")
        )
