from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput

from .models import Category, Household, Recipient, RecipientCategory
from .services import PERSON_COLUMNS, HouseholdInput, RecipientInput


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
            Household.objects.restrict(user, "change")
            .select_related("head", "region")
            .order_by("-pk")
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

    def to_input(self) -> RecipientInput:
        """What was typed; ``services.recipient_record`` checks the ID number, phones,
        household and categories."""
        d = self.cleaned_data
        return RecipientInput(
            **{name: d.get(name) or _EMPTY.get(name, "") for name in PERSON_COLUMNS},
            region=d["region"].code,
            id_number=d.get("id_number") or "",
            household=d["household"].pk if d.get("household") else None,
            new_household=bool(d.get("new_household")),
            categories=tuple(c.pk for c in d.get("categories") or ()),
            disability_type=d.get("disability_type") or "",
            disability_grade=d.get("disability_grade"),
        )


# columns whose empty value is None rather than ""
_EMPTY = {"birth_date": None, "consent_date": None}


class HouseholdForm(BootstrapFormMixin, forms.ModelForm):
    """Correct a household: its address, and which member is its head."""

    former_head_relation = forms.ChoiceField(
        label=_("The former head's relation to the new head"),
        choices=[("", "—")]
        + [c for c in Recipient.Relation.choices if c[0] != Recipient.Relation.HEAD],
        required=False,
        help_text=_("Only when the head changes; 'Other' when not given."),
    )

    required_fields = ("head",)

    class Meta:
        model = Household
        fields = ["address", "head"]
        widgets = {"address": forms.TextInput()}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        members = Recipient.objects.restrict(user).filter(household=self.instance.pk)
        self.fields["head"].queryset = members.order_by("pk")
        self.fields["head"].required = True

    def to_input(self) -> HouseholdInput:
        """What was typed; ``services.household_record`` checks the head is a member."""
        d = self.cleaned_data
        return HouseholdInput(
            address=d.get("address") or "",
            head=d["head"].pk if d.get("head") else None,
            former_head_relation=d.get("former_head_relation") or "",
        )
