"""Volunteers registered from a station's roster (志愿者花名册): each row goes through
``services.volunteer_record`` itself — the form's rules, the ID number's check, the
phone, consent, the volunteer number and the audit entry — in a savepoint that the dry
run rolls back. A township's roster is tens or hundreds of rows, not a county's hundred
thousand: the service row by row costs a few queries a row and keeps one set of rules
(people, at province scale, are written in bulk by ``people.bulk``).

A volunteer already registered (the same ID number; without one, the same name and
phone at the station) is updated (``UPDATABLE``, where the row gives a value) or
skipped, as the importer chose, and never registered twice; the same file imported
again finds every row unchanged and writes nothing. An update is a new version, so an
edit form opened before the import is told.
"""

import dataclasses
import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.core import crypto
from shegong.core.bulk import StaleStage
from shegong.core.restrict import can, may_add
from shegong.core.rows import Action, Outcome, ServiceRows, choices, parse_date
from shegong.core.tables import Column
from shegong.core.validators import normalize_phone, parse_id_number
from shegong.people.bulk import VILLAGE_COLUMNS, Villages
from shegong.regions.models import Region

from .models import PoliticalStatus, Volunteer
from .services import VolunteerInput, volunteer_record

COLUMNS = [
    Column("name", "姓名", ("名字", "志愿者姓名"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证")),
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "联系方式"), required=True),
    *VILLAGE_COLUMNS,
    Column("political_status", "政治面貌", required=True),
    Column("skills", "技能特长", ("特长", "技能", "专长")),
    Column("availability", "可服务时间", ("服务时间", "空闲时间")),
    Column("consent", "同意记录服务", ("知情同意", "是否同意", "同意")),
    Column("consent_date", "同意日期"),
]
HEADERS = {c.key: c.header for c in COLUMNS}
# what a row may change on a volunteer already registered (an empty cell keeps it)
UPDATABLE = ("phone", "skills", "availability", "political_status")
YES = {"是", "同意", "已同意", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "不同意", "未同意", "n", "no", "false", "0", "×"}


class VolunteerImport(ServiceRows):
    """Checks and writes rows of volunteers for the station of ``by`` (station staff;
    ``region``: their township). ``on_existing``: "update" or "skip"."""

    columns = COLUMNS
    headers = HEADERS
    model = Volunteer
    refused = gettext_lazy("Only station staff import volunteers.")

    @staticmethod
    def may(user: AbstractBaseUser) -> bool:
        """Whether ``user`` may import volunteers: whoever may register one."""
        return getattr(user, "is_active", False) and may_add(user, Volunteer)

    def __init__(self, *, by: AbstractBaseUser | None, region: Region, on_existing: str):
        self.by, self.region, self.on_existing = by, region, on_existing
        self.places = Villages(region)
        party, probation = PoliticalStatus.PARTY, PoliticalStatus.PROBATIONARY
        self.status = choices(
            PoliticalStatus.choices,
            ("党员", party),
            ("中共党员", party),
            ("预备党员", probation),
            ("中共预备党员", probation),
            ("团员", PoliticalStatus.LEAGUE),
            ("共青团员", PoliticalStatus.LEAGUE),
            ("群众", PoliticalStatus.MASSES),
        )
        self.seen: dict[str, int] = {}  # a volunteer's key (ID hash, or name and phone) -> line

    # ----- one row ----------------------------------------------------------------------

    def to_input(self, values: dict[str, str], errors: dict) -> VolunteerInput:
        """A row's texts as a volunteer's input; what cannot be read goes to ``errors``."""
        status = values.get("political_status", "")
        if status and status.lower() not in self.status:
            errors["political_status"] = _("Not one of the choices: %(text)s") % {
                "text": status[:20]
            }
        consent = values.get("consent", "").strip().lower()
        if consent and consent not in YES | NO:
            errors["consent"] = _("Write 是 or 否.")
        when = None
        if values.get("consent_date"):
            try:
                when = parse_date(values["consent_date"])
            except ValidationError as exc:
                errors["consent_date"] = exc.messages[0]
        return VolunteerInput(
            name=values.get("name", "").strip(),
            phone=values.get("phone", ""),
            region=self.places.find(values, errors),
            political_status=self.status.get(status.lower(), ""),
            consent=consent in YES,
            id_number=values.get("id_number", "").replace(" ", "").upper(),
            skills=values.get("skills", ""),
            availability=values.get("availability", ""),
            consent_date=when,
        )

    def _key(self, data: VolunteerInput) -> str:
        """Who the row is: the ID number's keyed hash, or the name and the phone."""
        if data.id_number:
            try:
                return crypto.keyed_hash(parse_id_number(data.id_number).number)
            except ValidationError:
                return ""  # the service says what is wrong with it
        return f"{data.name}/{normalize_phone(data.phone or '')}"

    def _registered(self, data: VolunteerInput, key: str) -> Volunteer | None:
        if data.id_number:
            return Volunteer.objects.filter(id_hash=key).first() if key else None
        phone = normalize_phone(data.phone or "")
        if not phone or self.by is None:
            return None
        same = Volunteer.objects.filter(
            station_id=self.by.station_id, name=data.name, phone_last4=phone[-4:]
        )
        return next((v for v in same if v.phone == phone), None)

    def _row(self, line: int, values: dict[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        data = self.to_input(values, errors)
        key = self._key(data)
        if key:
            first = self.seen.setdefault(key, line)
            if first != line:
                column = "id_number" if data.id_number else "phone"
                errors[column] = _("This volunteer is also on line %(line)s.") % {"line": first}
        if errors:
            return Outcome(line, Action.INVALID, errors)
        existing = self._registered(data, key)
        action, changed = Action.NEW, ()
        if existing is not None:
            if not can(self.by, existing, "change"):
                return Outcome(
                    line,
                    Action.INVALID,
                    {"id_number": _("This volunteer is registered at another station.")},
                )
            if self.on_existing == "skip":
                return Outcome(line, Action.SKIPPED, person=existing)
            current = _input_of(existing)
            data = dataclasses.replace(
                current, **{n: getattr(data, n) for n in UPDATABLE if getattr(data, n)}
            )
            data = dataclasses.replace(data, phone=normalize_phone(data.phone))
            changed = tuple(n for n in UPDATABLE if getattr(data, n) != getattr(current, n))
            if not changed:
                return Outcome(line, Action.UNCHANGED, person=existing)
            action = Action.UPDATED
        try:  # the service itself, on a copy, undone with the batch's savepoint
            trial = None if existing is None else Volunteer.objects.get(pk=existing.pk)
            volunteer_record(by=self.by, data=data, instance=trial)
        except ValidationError as exc:
            errors = {k: v[0] for k, v in exc.message_dict.items()}
            if "region" in errors:  # the service's name for the home village
                column = "village" if values.get("village") else "village_name"
                errors[column] = errors.pop("region")
            if NON_FIELD_ERRORS in errors:
                errors["name"] = errors.pop(NON_FIELD_ERRORS)
            return Outcome(line, Action.INVALID, errors)
        except PermissionDenied as exc:
            return Outcome(line, Action.INVALID, {"name": str(exc)})
        return Outcome(line, action, person=existing, changed=changed, detail=_stored(data))

    def _save(self, stored: dict, instance: Volunteer | None, trial: bool) -> None:
        """The service on a row's input."""
        try:
            volunteer_record(by=self.by, data=_input(stored), instance=instance)
        except (ValidationError, PermissionDenied) as exc:
            raise StaleStage from exc


def _input_of(volunteer: Volunteer) -> VolunteerInput:
    return VolunteerInput(
        name=volunteer.name,
        phone=volunteer.phone,
        region=volunteer.region_id,
        political_status=volunteer.political_status,
        consent=volunteer.consent,
        id_number=volunteer.id_number,
        skills=volunteer.skills,
        availability=volunteer.availability,
        consent_date=volunteer.consent_date,
        is_active=volunteer.is_active,
    )


def _stored(data: VolunteerInput) -> dict:
    """An input as JSON (kept with the dry run for the commit)."""
    values = dataclasses.asdict(data)
    if data.consent_date:
        values["consent_date"] = data.consent_date.isoformat()
    return values


def _input(stored: dict) -> VolunteerInput:
    when = stored.get("consent_date")
    return VolunteerInput(
        **{**stored, "consent_date": datetime.date.fromisoformat(when) if when else None}
    )
