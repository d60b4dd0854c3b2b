from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from shegong.core.forms import BootstrapFormMixin
from shegong.core.validators import is_ascii_digits, normalize_digits, normalize_phone
from shegong.regions.forms import RegionCodeField
from shegong.regions.models import Region

from .models import ApiToken, User
from .roles import ADMIN_ROLES
from .services import AccountInput
from .tokens import TokenInput


class LoginForm(BootstrapFormMixin, AuthenticationForm):
    pass


class ShegongPasswordChangeForm(BootstrapFormMixin, PasswordChangeForm):
    pass


class TokenForm(BootstrapFormMixin, forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def clean_token(self):
        token = normalize_digits(self.cleaned_data["token"])
        if not is_ascii_digits(token):
            raise forms.ValidationError(_("The code has 6 digits."))
        return token


class UserForm(BootstrapFormMixin, forms.ModelForm):
    """Create or change an account: role and scope, set by the security administrator."""

    scope_region = RegionCodeField(label=_("Scope region (division code)"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("At least 8 characters. Leave empty to keep the current password."),
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "phone",
            "role",
            "scope_region",
            "station",
            "agency",
            "is_active",
        ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope_region"].queryset = Region.objects.restrict(user)
        # Station and agency come from the foreign keys' own models (stations sits above
        # accounts, so it is not imported here), narrowed to what the user may see.
        station, agency = self.fields["station"], self.fields["agency"]
        station.queryset = (
            station.queryset.restrict(user).select_related("region").order_by("region_id", "name")
        )
        agency.queryset = agency.queryset.restrict(user).order_by("name")
        self.fields["role"].required = True
        # The three administrators are made on the server, never from a web form (三员分立).
        self.fields["role"].choices = [
            (value, label)
            for value, label in self.fields["role"].choices
            if value not in ADMIN_ROLES
        ]
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = _("At least 8 characters.")

    def clean_phone(self):
        return normalize_phone(self.cleaned_data.get("phone") or "")

    def to_input(self) -> AccountInput:
        """What was typed; ``services.user_record`` checks roles, scope and the password."""
        d = self.cleaned_data
        return AccountInput(
            username=d["username"],
            role=d.get("role") or "",
            full_name=d.get("full_name") or "",
            phone=d.get("phone") or "",
            scope_region=d["scope_region"].code if d.get("scope_region") else "",
            station=d["station"].pk if d.get("station") else None,
            agency=d["agency"].pk if d.get("agency") else None,
            is_active=d.get("is_active", False),
            password=d.get("password") or "",
        )


class ApiTokenForm(BootstrapFormMixin, forms.Form):
    """A personal API token as asked for (``accounts.tokens.token_make``)."""

    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("What system will use it, e.g. 县救助系统对接."),
    )
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.SHEGONG_API_TOKEN_MAX_DAYS,
        initial=settings.SHEGONG_API_TOKEN_DEFAULT_DAYS,
    )

    def to_input(self) -> TokenInput:
        d = self.cleaned_data
        return TokenInput(name=d["name"], scope=d["scope"], days=d["days"])
