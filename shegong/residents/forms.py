from django import forms
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import validate_photo
from shegong.regions.models import Level, Region

from . import guard
from .models import DESCRIPTION_MAX, Kind, Match, Topic
from .services import (
    MAX_PHOTOS,
    CloseInput,
    LinkInput,
    MatchInput,
    PhotoUpload,
    RequestInput,
    ResponseInput,
)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Up to three photos, each checked by its first bytes (JPEG, PNG or WebP, 5 MB)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(uploads) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most three photos."))
        return [
            PhotoUpload(
                upload=u, kind=validate_photo(super(MultiplePhotoField, self).clean(u, initial))
            )
            for u in uploads
        ]


class RequestForm(BootstrapFormMixin, forms.Form):
    """A resident's request, from a station's public page: no account needed."""

    kind = forms.ChoiceField(
        label=_("What would you like to do?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    topic = forms.ChoiceField(label=_("About"), choices=[("", "—"), *Topic.choices])
    region = forms.ChoiceField(label=_("Your village or community"))
    description = forms.CharField(
        label=_("Describe it"),
        max_length=DESCRIPTION_MAX,
        min_length=5,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": DESCRIPTION_MAX}),
        help_text=_("At most 1,000 characters. Do not write ID numbers or bank details."),
    )
    photos = MultiplePhotoField(label=_("Photos (optional, at most 3)"), required=False)
    contact_name = forms.CharField(label=_("Your name"), max_length=32)
    contact_phone = forms.CharField(
        label=_("Your phone"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("To reach you, and with the tracking code to follow your request."),
    )
    consent = forms.BooleanField(
        label=_("I have read and agree to how my information is used (above).")
    )
    answer = forms.CharField(
        label=_("Security check"),
        max_length=3,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    token = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, villages, station, **kwargs):
        super().__init__(*args, **kwargs)
        self.station = station
        self.fields["region"].choices = [("", "—")] + [(v.code, v.name) for v in villages]
        self.challenge = guard.new_challenge()
        self.fields["answer"].label = _("Security check: %(question)s") % {
            "question": self.challenge.question
        }
        self.initial["token"] = self.challenge.token

    def clean(self):
        data = super().clean()
        if data.get(guard.HONEYPOT):
            raise forms.ValidationError(_("This could not be sent."))
        if "answer" in data and not guard.challenge_passed(
            self.data.get("token", ""), data.get("answer", "")
        ):
            self.add_error("answer", _("The answer to the sum is not right; here is a new one."))
        return data

    def to_input(self) -> RequestInput:
        d = self.cleaned_data
        return RequestInput(
            kind=d["kind"],
            topic=d["topic"],
            region=d["region"],
            description=d["description"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
            consent=bool(d.get("consent")),
            station=self.station.pk if self.station else None,
            photos=tuple(d.get("photos") or ()),
        )


def villages_for(*, station=None, village: str | None = None):
    """The villages a request form offers: the township's of the station, or of the village."""
    township = station.region_id[:9] if station is not None else (village or "")[:9]
    if len(township) != 9:
        return Region.objects.none()
    return Region.objects.filter(parent_id=township, level=Level.VILLAGE).order_by("code")


class TrackForm(BootstrapFormMixin, forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=14)
    last4 = forms.CharField(
        label=_("Last four digits of the phone you gave"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RateForm(BootstrapFormMixin, forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you?"),
        choices=[(i, str(i)) for i in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Anything to add? (optional)"), max_length=200, required=False)


class RespondForm(BootstrapFormMixin, forms.Form):
    accept = forms.TypedChoiceField(
        label=_("Response"),
        choices=[("1", _("Accept")), ("0", _("Do not accept"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reply = forms.CharField(
        label=_("Reply to the resident"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when not accepting: the resident reads it."),
    )

    def to_input(self) -> ResponseInput:
        return ResponseInput(accept=self.cleaned_data["accept"], reply=self.cleaned_data["reply"])


class CloseForm(BootstrapFormMixin, forms.Form):
    reply = forms.CharField(
        label=_("What was done"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The resident reads this, and may then rate the service."),
    )

    def to_input(self) -> CloseInput:
        return CloseInput(reply=self.cleaned_data["reply"])


class MatchForm(BootstrapFormMixin, forms.Form):
    """A suggestion confirmed (the page posts the party and id of the one chosen)."""

    required_fields = ("party", "target")
    party = forms.ChoiceField(label=_("Matched with"), choices=Match.Party.choices)
    target = forms.IntegerField(label=_("Who or what"), min_value=1)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def to_input(self) -> MatchInput:
        return MatchInput(
            party=self.cleaned_data["party"],
            target=self.cleaned_data["target"],
            note=self.cleaned_data["note"],
        )


class LinkForm(BootstrapFormMixin, forms.Form):
    """The person registered and/or the case opened for the need: chosen among the
    records of its village that the user may change."""

    recipient = forms.TypedChoiceField(
        label=_("Service recipient"), coerce=int, required=False, empty_value=None
    )
    case = forms.TypedChoiceField(label=_("Case"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, people=(), cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", "—"), *people]
        self.fields["case"].choices = [("", "—"), *cases]

    def to_input(self) -> LinkInput:
        return LinkInput(recipient=self.cleaned_data["recipient"], case=self.cleaned_data["case"])
