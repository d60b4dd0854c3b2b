from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from shegong.core.divisions import parse_region_code

from .models import Region


class RegionCodeField(forms.Field):
    """A region typed as its division code (with a search list), checked against a queryset.

    Choosing among 30,000 villages needs a search, not a drop-down; the queryset given
    by the form (already restricted to the user) decides what is acceptable.
    """

    def __init__(self, *, queryset=None, levels=None, **kwargs):
        self.queryset = queryset if queryset is not None else Region.objects.none()
        self.levels = levels or []
        kwargs.setdefault("widget", forms.TextInput(attrs={"maxlength": 12}))
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "inputmode": "numeric",
                "list": "region-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("regions:search"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#region-options",
                "data-levels": ",".join(str(lv) for lv in self.levels),
                "placeholder": _("division code, e.g. 430302001"),
            }
        )

    def prepare_value(self, value):
        if isinstance(value, Region):
            return value.code
        return value

    def to_python(self, value):
        if not str(value or "").strip():
            return None
        code = parse_region_code(value)
        if code is None:
            raise forms.ValidationError(_("A division code has only digits."), code="invalid")
        try:
            return self.queryset.get(code=code)
        except Region.DoesNotExist:
            raise forms.ValidationError(
                _("No region with code %(code)s within your scope."),
                code="invalid_choice",
                params={"code": code},
            ) from None
