from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shegong.accounts.models import User
from shegong.accounts.roles import STATION_ROLES
from shegong.core.forms import BootstrapFormMixin, chooses
from shegong.core.validators import validate_photo
from shegong.core.widgets import SearchSelect, SearchSelectMultiple
from shegong.people.identity import person_label
from shegong.people.models import Household, Recipient
from shegong.regions.models import Level, Region
from shegong.stations.forms import DateInput

from . import services
from .models import (
    Activity,
    AdminWork,
    Case,
    CaseEntry,
    CaseGoal,
    CaseReferral,
    Group,
    GroupSession,
    HomeVisit,
    ServiceType,
    offered_domains,
)
from .services import AdminWorkInput, VisitInput


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (Django's documented pattern), each checked by content."""

    MAX = 6

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):

        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > self.MAX:
            raise forms.ValidationError(
                _("At most %(n)s photos at a time."), params={"n": self.MAX}
            )
        checked = []
        errors = []
        for f in files:
            try:
                checked.append((super().clean(f, initial), validate_photo(f)))
            except forms.ValidationError as exc:
                errors.extend(exc.error_list)
        if errors:
            raise forms.ValidationError(errors)
        return checked


class StationFormMixin(BootstrapFormMixin):
    """Choices narrowed to the user's station: its villages, its staff, its people."""

    region_levels = (Level.VILLAGE,)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if chooses(self, "region"):
            self.fields["region"].queryset = (
                Region.objects.restrict(user).filter(level__in=self.region_levels).order_by("code")
            )
            self.fields["region"].label = _("Village / place")
        if chooses(self, "workers"):
            staff = User.objects.filter(
                station_id=user.station_id, role__in=STATION_ROLES, is_active=True
            ).order_by("full_name")
            self.fields["workers"].queryset = staff
            self.fields["workers"].widget = forms.CheckboxSelectMultiple()
            # read when the form is drawn, not when an API write only validates it
            self.fields["workers"].choices = lambda: [
                (pk, full_name or username)
                for pk, full_name, username in staff.values_list("pk", "full_name", "username")
            ]
            if not self.is_bound and not self.instance.pk:
                self.initial["workers"] = [user.pk]
        for name in ("recipient", "participants", "members"):
            if chooses(self, name):
                self.fields[name].queryset = (
                    Recipient.objects.restrict(user, "change")
                    .select_related("region")
                    .order_by("name")
                )
        for name in ("participants", "members"):
            if chooses(self, name):  # chosen by search, not from every person in the township
                field = self.fields[name]
                field.widget = SearchSelectMultiple(search_url=reverse("people:pick"))
                field.widget.choices = field.choices  # the queryset, read for the chosen only
                field.label_from_instance = person_label
        if chooses(self, "recipient"):  # one person, chosen by search too
            field = self.fields["recipient"]
            field.label_from_instance = person_label
            field.widget = SearchSelect(search_url=reverse("people:pick"))
            field.widget.choices = field.choices
        if chooses(self, "household"):
            field = self.fields["household"]
            field.queryset = (
                Household.objects.restrict(user, "change")
                .select_related("head", "region")
                .order_by("-pk")
            )
            field.widget = SearchSelect(search_url=reverse("people:pick"))
            field.widget.choices = field.choices
        if "date" in self.fields and not self.is_bound and not self.instance.pk:
            self.initial["date"] = timezone.localdate()


def _domain_choices():
    return [("", _("From the people served (their categories)")), *offered_domains()]


def _type_choices():
    return [("", _("The domain's usual type")), *ServiceType.choices]


class ServiceKindFields(forms.Form):
    """A service record's domain and type: chosen, or left blank to be taken from the people
    it serves (``services.default_domain``)."""

    domain = forms.ChoiceField(label=_("Service domain"), choices=_domain_choices, required=False)
    service_type = forms.ChoiceField(label=_("Service type"), choices=_type_choices, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind_initial()

    def kind_initial(self) -> None:
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and not self.is_bound:
            self.initial.setdefault("domain", instance.domain)
            self.initial.setdefault("service_type", instance.service_type)


class HomeVisitForm(StationFormMixin, ServiceKindFields, forms.ModelForm):
    photos = PhotosField(label=_("Photos"))
    service_reads = ("region", "recipient", "household", "workers")  # services.visit_record

    long_day_reason = forms.CharField(
        label=_("Reason for a long day"),
        required=False,
        max_length=200,
        help_text=_("Asked when this takes someone's day past the hours the rule set allows."),
    )

    class Meta:
        model = HomeVisit
        fields = [
            "date",
            "region",
            "recipient",
            "household",
            "workers",
            "hours",
            "situation",
            "needs",
            "follow_up",
        ]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
            "situation": forms.Textarea(attrs={"rows": 3}),
            "needs": forms.Textarea(attrs={"rows": 2}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].required = False
        self.fields["household"].required = False
        if not self.is_bound and not self.instance.pk:
            self.initial.setdefault("hours", "1")

    def to_input(self) -> VisitInput:
        """What was typed, for ``services.visit_record`` (which checks every rule)."""
        d = self.cleaned_data
        return VisitInput(
            date=d["date"],
            region=d["region"].code,
            workers=tuple(w.pk for w in d["workers"]),
            hours=d["hours"],
            situation=d["situation"],
            recipient=d["recipient"].pk if d.get("recipient") else None,
            household=d["household"].pk if d.get("household") else None,
            needs=d.get("needs", ""),
            follow_up=d.get("follow_up", ""),
            photos=tuple(d.get("photos") or ()),
            long_day_reason=d.get("long_day_reason", ""),
            domain=d.get("domain", ""),
            service_type=d.get("service_type", ""),
        )


class CaseOpenForm(StationFormMixin, ServiceKindFields, forms.ModelForm):
    service_reads = ("recipient",)  # services.case_open

    class Meta:
        model = Case
        fields = ["recipient", "opened_on", "source", "presenting_problem"]
        widgets = {
            "opened_on": DateInput(),
            "presenting_problem": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("opened_on", timezone.localdate())

    def to_input(self) -> services.CaseOpenInput:
        d = self.cleaned_data
        return services.CaseOpenInput(
            recipient=d["recipient"].pk,
            opened_on=d["opened_on"],
            source=d["source"],
            presenting_problem=d["presenting_problem"],
            domain=d.get("domain", ""),
            service_type=d.get("service_type", ""),
        )


class CaseAssessmentForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("needs_summary",)

    class Meta:
        model = Case
        fields = [
            "assessment_individual",
            "assessment_family",
            "assessment_community",
            "needs_summary",
        ]
        widgets = {f: forms.Textarea(attrs={"rows": 2}) for f in fields}

    def to_input(self) -> services.CaseAssessment:
        return services.CaseAssessment(
            **{k: self.cleaned_data.get(k, "") for k in self._meta.fields}
        )


class CasePlanForm(BootstrapFormMixin, forms.ModelForm):
    goals_text = forms.CharField(
        label=_("Goals (one per line)"), widget=forms.Textarea(attrs={"rows": 3})
    )

    required_fields = ("agreement_signed_on", "agreement_signed_by")

    class Meta:
        model = Case
        fields = ["agreement_signed_on", "agreement_signed_by"]
        widgets = {"agreement_signed_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            # ``all()``: the goals the case page has read for itself (prefetched) serve here
            self.initial["goals_text"] = "\n".join(g.text for g in self.instance.goals.all())

    def goals(self) -> list[str]:
        return [g.strip()[:200] for g in self.cleaned_data["goals_text"].splitlines() if g.strip()]

    def to_input(self) -> services.CasePlan:
        d = self.cleaned_data
        return services.CasePlan(
            agreement_signed_on=d["agreement_signed_on"],
            agreement_signed_by=d["agreement_signed_by"],
            goals=tuple(self.goals()),
        )


class CaseEntryForm(BootstrapFormMixin, forms.ModelForm):
    long_day_reason = forms.CharField(
        label=_("Reason for a long day"),
        required=False,
        max_length=200,
        help_text=_("Asked when this takes someone's day past the hours the rule set allows."),
    )

    class Meta:
        model = CaseEntry
        fields = ["date", "hours", "in_village", "content"]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
            "content": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())

    def to_input(self) -> services.CaseEntryInput:
        d = self.cleaned_data
        return services.CaseEntryInput(
            date=d["date"],
            hours=d["hours"],
            content=d["content"],
            in_village=d["in_village"],
            long_day_reason=d.get("long_day_reason", ""),
        )


class CaseEvaluationForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("evaluation_summary",)

    class Meta:
        model = Case
        fields = ["evaluation_summary"]
        widgets = {"evaluation_summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

        for goal in self.instance.goals.all():
            self.fields[f"goal_{goal.pk}"] = forms.ChoiceField(
                label=goal.text,
                choices=[c for c in CaseGoal.Achieved.choices if c[0]],
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def achieved(self) -> dict[int, str]:
        return {
            int(k.removeprefix("goal_")): v
            for k, v in self.cleaned_data.items()
            if k.startswith("goal_")
        }

    def to_input(self) -> services.CaseEvaluation:
        return services.CaseEvaluation(
            evaluation_summary=self.cleaned_data["evaluation_summary"], achieved=self.achieved()
        )


class CaseClosureForm(BootstrapFormMixin, forms.ModelForm):
    required_fields = ("closure_reason", "closure_summary")

    class Meta:
        model = Case
        fields = ["closure_reason", "closure_summary"]
        widgets = {"closure_summary": forms.Textarea(attrs={"rows": 3})}

    def to_input(self) -> services.CaseClosure:
        d = self.cleaned_data
        return services.CaseClosure(
            closure_reason=d["closure_reason"], closure_summary=d["closure_summary"]
        )


class CaseReferralForm(BootstrapFormMixin, forms.ModelForm):
    class Meta:
        model = CaseReferral
        fields = ["direction", "organisation", "reason", "date"]
        widgets = {"date": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}

    def to_input(self) -> services.ReferralInput:
        return services.ReferralInput(**{k: self.cleaned_data[k] for k in self._meta.fields})


class GroupForm(StationFormMixin, ServiceKindFields, forms.ModelForm):
    region_levels = (Level.TOWNSHIP, Level.VILLAGE)

    class Meta:
        model = Group
        fields = [
            "name",
            "nature",
            "theory",
            "goals",
            "target",
            "planned_sessions",
            "region",
            "workers",
            "members",
            "stage",
            "closing_evaluation",
        ]
        widgets = {
            "goals": forms.Textarea(attrs={"rows": 2}),
            "closing_evaluation": forms.Textarea(attrs={"rows": 2}),
        }

    def to_input(self) -> services.GroupInput:
        d = self.cleaned_data
        return services.GroupInput(
            **{name: d.get(name) for name in services.GROUP_COLUMNS},
            region=d["region"].code,
            workers=tuple(w.pk for w in d["workers"]),
            members=tuple(m.pk for m in d.get("members") or ()),
            domain=d.get("domain", ""),
            service_type=d.get("service_type", ""),
        )


class GroupSessionForm(BootstrapFormMixin, forms.ModelForm):
    long_day_reason = forms.CharField(
        label=_("Reason for a long day"),
        required=False,
        max_length=200,
        help_text=_("Asked when this takes someone's day past the hours the rule set allows."),
    )

    class Meta:
        model = GroupSession
        fields = ["date", "hours", "in_village", "attendees", "others_count", "record"]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
            "attendees": forms.CheckboxSelectMultiple(),
            "record": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = group.members.order_by("name")
        self.fields["attendees"].required = False
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
            self.initial.setdefault("hours", "1.5")

    def to_input(self) -> services.SessionInput:
        d = self.cleaned_data
        return services.SessionInput(
            date=d["date"],
            hours=d["hours"],
            record=d["record"],
            attendees=tuple(p.pk for p in d.get("attendees") or ()),
            others_count=d["others_count"],
            in_village=d["in_village"],
            long_day_reason=d.get("long_day_reason", ""),
        )


class ActivityForm(StationFormMixin, forms.ModelForm):
    region_levels = (Level.TOWNSHIP, Level.VILLAGE)
    photos = PhotosField(label=_("Photos"))
    service_reads = ("region", "workers", "participants")  # services.activity_record

    long_day_reason = forms.CharField(
        label=_("Reason for a long day"),
        required=False,
        max_length=200,
        help_text=_("Asked when this takes someone's day past the hours the rule set allows."),
    )

    class Meta:
        model = Activity
        fields = [
            "title",
            "domain",
            "service_type",
            "date",
            "region",
            "workers",
            "hours",
            "participants_count",
            "participants",
            "volunteers_count",
            "volunteer_notes",
            "description",
        ]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].required = False

    def to_input(self) -> services.ActivityInput:
        """What was typed, for ``services.activity_record`` (charity money and goods are
        allocated from the ledger: ``community.Allocation``)."""
        d = self.cleaned_data
        return services.ActivityInput(
            title=d["title"],
            domain=d["domain"],
            service_type=d["service_type"],
            date=d["date"],
            region=d["region"].code,
            workers=tuple(w.pk for w in d["workers"]),
            hours=d["hours"],
            participants_count=d["participants_count"],
            volunteers_count=d["volunteers_count"],
            participants=tuple(p.pk for p in d.get("participants") or ()),
            volunteer_notes=d.get("volunteer_notes", ""),
            description=d.get("description", ""),
            photos=tuple(d.get("photos") or ()),
            long_day_reason=d.get("long_day_reason", ""),
        )


class NegativeListSelect(forms.Select):
    """The task list: ordinary tasks, then the negative list shown greyed out (never chosen
    by mistake; posted anyway, the service refuses it with the reason)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in AdminWork.NEGATIVE:
            option["attrs"]["disabled"] = True
        return option


def _task_choices():
    ordinary = [(v, label) for v, label in AdminWork.Task.choices if v not in AdminWork.NEGATIVE]
    negative = [(v, label) for v, label in AdminWork.Task.choices if v in AdminWork.NEGATIVE]
    return [
        ("", "---------"),
        (_("Administrative work"), ordinary),
        (_("Negative list: not station work (负面清单)"), negative),
    ]


class AdminWorkForm(StationFormMixin, forms.ModelForm):
    region_levels = (Level.TOWNSHIP, Level.VILLAGE)
    confirmed = forms.BooleanField(
        label=_("I confirm this was only assistance, not an administrative power"),
        required=False,
        help_text=_("Needed when the description names licensing, approval or payment."),
    )

    long_day_reason = forms.CharField(
        label=_("Reason for a long day"),
        required=False,
        max_length=200,
        help_text=_("Asked when this takes someone's day past the hours the rule set allows."),
    )

    class Meta:
        model = AdminWork
        fields = ["date", "task", "hours", "region", "in_village", "description"]
        widgets = {
            "date": DateInput(),
            "hours": forms.NumberInput(attrs={"step": "0.25"}),
            "task": NegativeListSelect(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["task"].choices = _task_choices()

    def to_input(self) -> AdminWorkInput:
        """What was typed, for ``services.admin_work_record`` (the negative list is its)."""
        d = self.cleaned_data
        return AdminWorkInput(
            date=d["date"],
            task=d["task"],
            hours=d["hours"],
            region=d["region"].code,
            in_village=d.get("in_village", False),
            description=d.get("description", ""),
            confirmed=d.get("confirmed", False),
            long_day_reason=d.get("long_day_reason", ""),
        )


class VisitPhotoForm(forms.Form):
    """One photo for a visit already saved (the phone's outbox sends them one by one)."""

    photo = forms.FileField(label=_("Photo"))

    def clean_photo(self):
        upload = self.cleaned_data["photo"]
        self.kind = validate_photo(upload)
        return upload

    def to_input(self) -> services.PhotoInput:
        return services.PhotoInput(upload=self.cleaned_data["photo"], kind=self.kind)
