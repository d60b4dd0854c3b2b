"""Station staff registered from a county's staff roster (社工站人员花名册): an account for
each worker (the security administrator's, who alone makes accounts: 三员分立) and the
worker's profile (education, qualification, certificate, hire date), which the
indicators read (持证率、社工专业占比).

Each row goes through ``accounts.services.user_record`` (username, role and station that
fit together, phone, the audit entry) and ``services.profile_rules`` (the profile form's
rules), in a savepoint the dry run rolls back. A new account gets a random initial
password, to be changed at first login; the commit keeps the new accounts' passwords,
encrypted, for the importer to download once as a sheet to hand out (then they are
deleted). An account already there (the same username) has its name, phone and profile
updated where the row gives a value, or is skipped; its role, station and password are
never changed by an import (the account's page does that, audited as a role change).
"""

import datetime
import secrets
import string

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.accounts.services import AccountInput, user_record
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_saved
from shegong.core.bulk import StaleStage
from shegong.core.divisions import in_subtree
from shegong.core.restrict import may_add
from shegong.core.rows import Action, Outcome, ServiceRows, choices, parse_date
from shegong.core.tables import Column
from shegong.core.validators import normalize_phone
from shegong.regions.models import Region
from shegong.stations.models import Station

from .models import Education, Qualification, SocialWorkerProfile
from .services import PROFILE_AUDIT, PROFILE_COLUMNS, ProfileInput, profile_rules

COLUMNS = [
    Column("username", "用户名", ("登录名", "账号", "帐号"), required=True),
    Column("full_name", "姓名", ("名字", "人员姓名"), required=True),
    Column("phone", "手机号码", ("手机号", "联系电话", "电话")),
    Column("role", "岗位", ("角色", "职务", "人员类型")),
    Column("station", "所属社工站", ("社工站", "服务站", "所在社工站"), required=True),
    Column("education", "学历", ("最高学历",)),
    Column("major", "所学专业", ("专业",)),
    Column("social_work_major", "社会工作专业", ("是否社工专业", "社工专业")),
    Column("qualification", "职业资格", ("社会工作者职业资格", "资格等级", "持证情况")),
    Column("certificate_no", "证书编号", ("证书号", "资格证书编号")),
    Column("certificate_date", "取证日期", ("发证日期",)),
    Column("hire_date", "入职日期", ("上岗日期", "到岗日期")),
    Column("birth_date", "出生日期"),
]
HEADERS = {c.key: c.header for c in COLUMNS}
ACCOUNT_UPDATABLE = ("full_name", "phone")
YES = {"是", "y", "yes", "true", "1", "√", "✓"}
NO = {"否", "n", "no", "false", "0", "×"}


def initial_password() -> str:
    """A random password that passes the password rules (letters, digits and a sign),
    for a new account to change at first login."""
    alphabet = string.ascii_letters + string.digits
    body = "".join(secrets.choice(alphabet) for _ in range(10))
    return f"{body}#{secrets.randbelow(90) + 10}"


class WorkerImport(ServiceRows):
    """Checks and writes rows of station staff for the stations in ``region`` (and
    below), as ``by`` (the security administrator). ``on_existing``: "update" or "skip"."""

    columns = COLUMNS
    headers = HEADERS
    model = User
    example = "username"
    refused = gettext_lazy("Only the security administrator imports staff accounts.")

    @staticmethod
    def may(user: AbstractBaseUser) -> bool:
        """Whether ``user`` may import staff: whoever makes accounts."""
        return getattr(user, "is_active", False) and may_add(user, User)

    @staticmethod
    def regions(user: AbstractBaseUser) -> QuerySet[Region]:
        """Where ``user`` may import staff: a province, city or county."""
        return Region.objects.filter(level__lte=3).order_by("code")

    def __init__(self, *, by: AbstractBaseUser | None, region: Region, on_existing: str):
        self.by, self.region, self.on_existing = by, region, on_existing
        stations = Station.objects.restrict(by).filter(
            in_subtree("region_id", region.code), is_active=True
        )
        self.stations: dict[str, list[Station]] = {}
        for station in stations.only("pk", "name", "region_id"):
            self.stations.setdefault(station.name, []).append(station)
        self.role = choices(
            [(r, r.label) for r in (Role.SOCIAL_WORKER, Role.STATION_LEAD)],
            *((w, Role.SOCIAL_WORKER) for w in ("驻站社工", "社工", "专职社工", "社会工作者")),
            *((w, Role.STATION_LEAD) for w in ("站长", "负责人", "社工站站长")),
        )
        self.education = choices(
            Education.choices,
            *((w, Education.HIGH_SCHOOL) for w in ("高中", "中专", "高中及以下", "初中")),
            *((w, Education.COLLEGE) for w in ("大专", "专科")),
            ("本科", Education.BACHELOR),
            *((w, Education.MASTER) for w in ("硕士", "研究生")),
            ("博士", Education.DOCTOR),
        )
        self.qualification = choices(
            Qualification.choices,
            *((w, Qualification.NONE) for w in ("无", "未持证")),
            *((w, Qualification.ASSISTANT) for w in ("助理社会工作师", "初级")),
            *((w, Qualification.SOCIAL_WORKER) for w in ("社会工作师", "中级")),
            *((w, Qualification.SENIOR) for w in ("高级社会工作师", "高级")),
        )
        self.seen: dict[str, int] = {}  # username -> the first line that had it
        self.issued: list[tuple[str, str, str, str]] = []  # new accounts' initial passwords

    # ----- one row ----------------------------------------------------------------------

    def _read(self, values: dict[str, str], errors: dict) -> tuple[dict, dict]:
        """A row's texts as the account's input and the profile's (only what it gives)."""
        account = {
            "username": values.get("username", "").strip(),
            "full_name": values.get("full_name", "").strip(),
            "phone": values.get("phone", ""),
            "role": Role.SOCIAL_WORKER,
            "station": None,
        }
        profile: dict = {}
        for key, table, into in (
            ("role", self.role, account),
            ("education", self.education, profile),
            ("qualification", self.qualification, profile),
        ):
            text = values.get(key, "").strip().lower()
            if text and text not in table:
                errors[key] = _("Not one of the choices: %(text)s") % {"text": text[:20]}
            elif text:
                into[key] = table[text]
        for key in ("major", "certificate_no"):
            if values.get(key, "").strip():
                profile[key] = (
                    values[key].strip().upper() if key == "certificate_no" else values[key]
                )
        major = values.get("social_work_major", "").strip().lower()
        if major:
            if major not in YES | NO:
                errors["social_work_major"] = _("Write 是 or 否.")
            profile["social_work_major"] = major in YES
        for key in ("certificate_date", "hire_date", "birth_date"):
            if values.get(key):
                try:
                    profile[key] = parse_date(values[key])
                except ValidationError as exc:
                    errors[key] = exc.messages[0]
        name = values.get("station", "").strip()
        found = self.stations.get(name, [])
        if len(found) == 1:
            account["station"] = found[0].pk
        else:
            errors["station"] = (
                _("No station called %(name)s in %(region)s.")
                if not found
                else _("%(name)s names more than one station; give its full name.")
            ) % {"name": name[:40], "region": self.region.name}
        return account, profile

    def _row(self, line: int, values: dict[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        account, profile = self._read(values, errors)
        username = account["username"]
        if username:
            first = self.seen.setdefault(username.lower(), line)
            if first != line:
                errors["username"] = _("This username is also on line %(line)s.") % {"line": first}
        if errors:
            return Outcome(line, Action.INVALID, errors)
        existing = User.objects.filter(username__iexact=username).first()
        action, changed = Action.NEW, ()
        if existing is not None:
            if existing.role != account["role"] or existing.station_id != account["station"]:
                return Outcome(
                    line,
                    Action.INVALID,
                    {
                        "username": _(
                            "This username is another account's, or works at another station "
                            "or post: change that on the account's page."
                        )
                    },
                )
            if self.on_existing == "skip":
                return Outcome(line, Action.SKIPPED, person=existing)
            account, profile, changed = self._merged(existing, account, profile)
            if not changed:
                return Outcome(line, Action.UNCHANGED, person=existing)
            action = Action.UPDATED
        stored = {"account": account, "profile": _stored(profile)}
        try:  # the services themselves, undone with the batch's savepoint
            self._put(stored, existing and existing.pk, None, trial=True)
        except StaleStage as exc:
            return Outcome(line, Action.INVALID, _errors(exc.__cause__))
        return Outcome(line, action, person=existing, changed=changed, detail=stored)

    @staticmethod
    def _merged(user: User, account: dict, profile: dict) -> tuple[dict, dict, tuple]:
        """What an update writes: the row's name and phone, and its profile values, where
        given; and which of them change."""
        account = {**account, "phone": normalize_phone(account["phone"] or "")}
        have = SocialWorkerProfile.objects.filter(user=user).first()
        changed = tuple(
            n for n in ACCOUNT_UPDATABLE if account[n] and account[n] != getattr(user, n)
        )
        merged = {n: account[n] or getattr(user, n) for n in ACCOUNT_UPDATABLE}
        current = {n: getattr(have, n) for n in PROFILE_COLUMNS} if have else {}
        changed += tuple(n for n, v in profile.items() if current.get(n) != v)
        return {**account, **merged}, {**current, **profile}, changed

    def _save(self, stored: dict, instance: User | None, trial: bool) -> None:
        """The account (``user_record``: a new one with a random initial password) and
        its profile (``profile_rules``), audited. ``StaleStage`` (its cause the services'
        error) when a rule breaks. ``trial``: the check's try, rolled back (its password
        is not kept)."""
        account = dict(stored["account"])
        if instance is None:
            account["password"] = initial_password()
        try:
            user = user_record(by=self.by, data=AccountInput(**account), instance=instance)
            profile, _created = SocialWorkerProfile.objects.get_or_create(user=user)
            before = snapshot(profile, PROFILE_AUDIT)
            data = ProfileInput(
                **{n: getattr(profile, n) for n in PROFILE_COLUMNS} | _input(stored["profile"])
            )
            profile_rules(profile=profile, data=data, errors={})
            if instance is not None:
                profile.version += 1
            profile.save()
        except (ValidationError, PermissionDenied) as exc:
            raise StaleStage from exc
        audit_saved(
            entity="worker_profile",
            obj=profile,
            by=self.by,
            before=before if instance is not None else None,
            fields=PROFILE_AUDIT,
        )
        if instance is None and not trial:
            station = user.station.name if user.station else ""
            self.issued.append((user.username, user.full_name, station, account["password"]))

    def keep(self) -> str:
        """The new accounts' initial passwords, a line each (username, name, station,
        password, separated by tabs), for the job to keep encrypted until downloaded."""
        return "\n".join("\t".join(row) for row in self.issued)


def _stored(profile: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in profile.items()}


def _input(stored: dict) -> dict:
    dates = ("certificate_date", "hire_date", "birth_date")
    return {k: datetime.date.fromisoformat(v) if k in dates and v else v for k, v in stored.items()}


def _errors(exc) -> dict[str, str]:
    """A service's refusal as messages by column."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        errors = {k: v[0] for k, v in exc.message_dict.items()}
    else:
        errors = {NON_FIELD_ERRORS: " ".join(getattr(exc, "messages", [str(exc)]))}
    if NON_FIELD_ERRORS in errors:
        errors["username"] = errors.pop(NON_FIELD_ERRORS)
    return errors
