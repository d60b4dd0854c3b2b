from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core import crypto
from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import normalize_phone, parse_id_number, validate_phone
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput

from .models import Category, Household, Recipient, RecipientCategory


class RecipientForm(BootstrapFormMixin, forms.ModelForm):
    """Register a person: ID number checked and unique, village within the worker's township."""

    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"),
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    disability_type = forms.ChoiceField(
        label=_("Disability type"),
        choices=[("", "—")] + list(RecipientCategory.DisabilityType.choices),
        required=False,
    )
    disability_grade = forms.TypedChoiceField(
        label=_("Disability grade"),
        choices=[("", "—")] + [(i, str(i)) for i in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    new_household = forms.BooleanField(
        label=_("Start a new household with this person as head"), required=False
    )

    class Meta:
        model = Recipient
        fields = [
            "name",
            "id_number",
            "sex",
            "birth_date",
            "phone",
            "region",
            "address",
            "household",
            "relation",
            "self_care",
            "guardian_name",
            "guardian_relation",
            "guardian_phone",
            "consent",
            "consent_date",
            "consent_giver",
            "health_notes",
        ]
        widgets = {
            "id_number": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20}),
            "guardian_phone": forms.TextInput(attrs={"inputmode": "tel", "maxlength": 20}),
            "address": forms.TextInput(),
            "health_notes": forms.Textarea(attrs={"rows": 2}),
            "birth_date": DateInput(),
            "consent_date": DateInput(),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = Region.objects.restrict(user).filter(level=Level.VILLAGE).order_by("code")
        self.fields["region"].queryset = villages
        self.fields["region"].label = _("Village / community")
        self.fields["household"].queryset = (
            Household.objects.restrict(user, "change").select_related("head").order_by("-pk")
        )
        self.fields["household"].required = False
        self.fields["categories"].queryset = Category.current()
        if self.instance.pk:
            self.fields["categories"].initial = list(
                self.instance.category_links.values_list("category_id", flat=True)
            )
            link = self.instance.category_links.filter(
                category__needs_disability_detail=True
            ).first()
            if link:
                self.fields["disability_type"].initial = link.disability_type
                self.fields["disability_grade"].initial = link.disability_grade

    def clean_id_number(self):
        raw = self.cleaned_data.get("id_number", "")
        if not raw.strip():
            return ""
        parsed = parse_id_number(raw)
        self._parsed_id = parsed
        clash = Recipient.objects.filter(id_hash=crypto.keyed_hash(parsed.number))
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        other = clash.first()
        if other is not None:
            visible = Recipient.objects.restrict(self.user).filter(pk=other.pk).exists()
            if visible:
                raise forms.ValidationError(
                    _("This ID number is already registered: %(name)s (%(village)s)."),
                    params={"name": other.name, "village": other.region.name},
                    code="duplicate",
                )
            raise forms.ValidationError(
                _(
                    "This ID number is already registered outside your area; ask the county "
                    "civil-affairs bureau to transfer the person."
                ),
                code="duplicate",
            )
        return parsed.number

    def clean_phone(self):
        value = normalize_phone(self.cleaned_data.get("phone") or "")
        validate_phone(value)
        return value

    def clean_guardian_phone(self):
        value = normalize_phone(self.cleaned_data.get("guardian_phone") or "")
        validate_phone(value)
        return value

    def clean(self):
        data = super().clean()
        parsed = getattr(self, "_parsed_id", None)
        if parsed is not None:
            # The ID number says when and who: it wins over what was typed.
            data["sex"] = parsed.sex
            data["birth_date"] = parsed.birth_date
            self.instance.sex = parsed.sex
            self.instance.birth_date = parsed.birth_date
        cats = data.get("categories") or []
        if any(c.needs_disability_detail for c in cats):
            if not data.get("disability_type"):
                self.add_error("disability_type", _("Give the disability type."))
            if not data.get("disability_grade"):
                self.add_error("disability_grade", _("Give the disability grade."))
        household = data.get("household")
        region = data.get("region")
        if data.get("new_household") and household:
            self.add_error(
                "household", _("Choose an existing household or start a new one, not both.")
            )
        if household and region and household.region_id != region.code:
            self.add_error("household", _("This household lives in another village."))
        if household and not data.get("relation"):
            self.add_error("relation", _("Give the relation to the head of the household."))
        return data
