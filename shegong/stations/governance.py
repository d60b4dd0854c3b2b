"""Who sets which field of a station: the county, the bureau that runs the system, or
the station itself. Forms show governed fields disabled; the service refuses them."""

from django.utils.translation import gettext as _

from shegong.accounts.roles import Role

# What the county decides about a station (its tier, which one is the county general
# station), and what the office that runs the system decides (where it is, who runs it,
# whether it is active): never the station itself. The star rating is no field anyone
# types: it is the star decision in force (shegong.evaluation). The supervision phone on the
# station's public board is the county's, never one the station complained about chooses.
COUNTY_FIELDS = frozenset({"tier", "is_county_general", "complaint_phone"})
OFFICE_FIELDS = frozenset({"region", "agency", "is_active"})
GOVERNED_FIELDS = COUNTY_FIELDS | OFFICE_FIELDS
# On a new station, whoever adds it gives its tier.
CREATE_FIELDS = frozenset({"tier", "is_county_general"})


def may_set_station_field(user, name: str, /, *, created: bool) -> bool:
    """Whether ``user`` (who may change the station at all) may set field ``name``."""
    if name in OFFICE_FIELDS:
        return user.role != Role.STATION_LEAD
    if name in COUNTY_FIELDS:
        return user.role == Role.COUNTY_OFFICER or (created and name in CREATE_FIELDS)
    return True


def governed_help(name: str, /) -> str:
    """The help text of a field the user sees but may not set."""
    if name in COUNTY_FIELDS:
        return _("Set by the county civil-affairs bureau.")
    return _("Set by the civil-affairs bureau.")
