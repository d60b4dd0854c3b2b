"""Plausible bounds for every count, amount, duration and date a person types.

One place for the numbers, used by the model fields (so forms, the API and imports get
them), by ``check_bounds`` in the services, and by database check constraints (so SQLite
and PostgreSQL refuse the same rows). The bounds are generous — a county-wide festival,
a large donation — but a figure beyond them is a typing error or an attack, and one such
figure must never make every dashboard above it unreadable.
"""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# people at one activity or one group session (head-count, person-times)
MAX_PEOPLE = 100_000
# volunteers at one activity
MAX_VOLUNTEERS = 10_000
# one resource line (money or goods valued) of one activity: 一亿元
MAX_RESOURCE_YUAN = Decimal("100000000")
# one amount of money in a purchase: a contract, a budget line, a payment: 一亿元
MAX_AMOUNT_YUAN = Decimal("100000000")
# resource lines on one activity
MAX_RESOURCES = 50
# hours on one record (a day), and the least worth recording
MAX_HOURS = Decimal(24)
MIN_HOURS = Decimal("0.25")

# The first records a station can hold; earlier is a typing error (0001-01-01).
EARLIEST_WORK_DATE = datetime.date(2000, 1, 1)
# Births, and organisations registered or people hired or certified.
EARLIEST_BIRTH_DATE = datetime.date(1890, 1, 1)
EARLIEST_ORG_DATE = datetime.date(1949, 10, 1)


@deconstructible
class NotInFuture:
    """A date not after today (Asia/Shanghai), checked when the value is validated."""

    message = _("This date is in the future.")
    code = "future_date"

    def __call__(self, value):
        if value is not None and value > timezone.localdate():
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, NotInFuture)


def not_before(day: datetime.date) -> MinValueValidator:
    return MinValueValidator(
        day, message=_("This date is too early: it must be %(limit_value)s or later.")
    )


def past_dates(earliest: datetime.date = EARLIEST_WORK_DATE) -> list:
    """Validators of a date of something that has happened."""
    return [not_before(earliest), NotInFuture()]


def at_most(limit) -> MaxValueValidator:
    return MaxValueValidator(limit, message=_("This figure is too large: at most %(limit_value)s."))


PEOPLE_VALIDATORS = [at_most(MAX_PEOPLE)]
VOLUNTEER_VALIDATORS = [at_most(MAX_VOLUNTEERS)]
RESOURCE_VALIDATORS = [MinValueValidator(0), at_most(MAX_RESOURCE_YUAN)]
HOURS_VALIDATORS = [MinValueValidator(MIN_HOURS), at_most(MAX_HOURS)]
AMOUNT_VALIDATORS = [MinValueValidator(0), at_most(MAX_AMOUNT_YUAN)]


def check_bounds(obj: models.Model) -> None:
    """Run the validators of ``obj``'s numeric and date fields; ValidationError if any fails.

    Services call this before saving, whoever called them (a form, the API, an import),
    so a bound never depends on the caller having validated.
    """
    kinds = (models.IntegerField, models.DecimalField, models.DateField)
    names = {
        f.name
        for f in obj._meta.concrete_fields
        if isinstance(f, kinds)
        and not isinstance(f, models.DateTimeField)
        and not f.is_relation
        and not f.primary_key
    }
    exclude = [f.name for f in obj._meta.concrete_fields if f.name not in names]
    obj.clean_fields(exclude=exclude)
