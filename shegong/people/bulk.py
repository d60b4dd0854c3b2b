"""People registered or updated in bulk: a roster's rows (低保、特困、老人、儿童 lists exported
from the civil-affairs systems) checked by the same rules as the form
(``services.recipient_rules`` and the model's own), a thousand at a time, and written in
batches.

What a batch reads at once: the villages of the import's region (once, when the import
opens), the current categories (once), the people already registered with the batch's ID
numbers (one query). What it writes at once: the new people, their categories and their
facts (three statements per batch); the updated people (one statement per batch).

A person already registered (the same ID number, found by its keyed hash) is updated or
skipped, as the importer chose, and never registered twice; an update changes only
``UPDATABLE`` fields, and only with a value (an empty cell keeps what is there); the
categories on the row are added to the person's. Importing the same file again finds
every row unchanged and writes nothing.

The dry run keeps what it found (``stage``): each valid row's outcome with its values
prepared as the database stores them (encrypted, hashed), and what the outcome rests on
(no one registered with the ID number; the person's version and categories). The commit
(``write_staged``) asks the database only whether that still holds, a batch in a query or
two, and writes the prepared values; when anything changed it raises ``StaleStage`` and
the commit checks every row again (``check``, ``write``).
"""

import re
from collections import defaultdict
from types import SimpleNamespace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shegong.accounts.policy import person_restrict_q
from shegong.core import crypto
from shegong.core.bulk import (
    StaleStage,
    insert_prepared,
    insert_rows,
    prepare,
    reserve_ids,
    update_prepared,
)
from shegong.core.divisions import in_subtree
from shegong.core.rows import EXAMPLE, Action, Outcome, choices, parse_date
from shegong.core.tables import Column
from shegong.core.validation import full_clean
from shegong.core.validators import parse_id_number
from shegong.indicators import engine
from shegong.regions.models import Level, Region

from .facts import household_facts, person_facts
from .models import Category, Household, Recipient, RecipientCategory
from .services import RecipientInput, recipient_rules

# where a row's person lives: the village's code, or its name (and the township's)
VILLAGE_COLUMNS = [
    Column("village", "村（社区）代码", ("区划代码", "行政区划代码", "村（居）代码", "村代码")),
    Column(
        "village_name", "村（社区）", ("村", "社区", "村（居）", "所在村（社区）", "村（居）委会")
    ),
    Column("township_name", "乡镇（街道）", ("乡镇", "街道", "乡（镇、街道）")),
]
COLUMNS = [
    Column("name", "姓名", ("名字", "人员姓名", "对象姓名", "户主姓名"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "证件号码", "身份证")),
    Column("sex", "性别"),
    Column("birth_date", "出生日期", ("出生年月日", "生日")),
    *VILLAGE_COLUMNS,
    Column("phone", "联系电话", ("手机号", "手机号码", "电话", "联系方式")),
    Column("address", "住址", ("家庭住址", "居住地址", "地址", "现住址")),
    Column("relation", "与户主关系", ("与户主的关系", "家庭关系", "关系")),
    Column(
        "head_id_number", "户主身份证号", ("户主身份证号码", "户主公民身份号码", "户主证件号码")
    ),
    Column("categories", "人员类别", ("类别", "对象类别", "救助类别", "服务对象类别")),
    Column("self_care", "自理能力", ("生活自理能力",)),
    Column("disability_type", "残疾类别", ("残疾类型",)),
    Column("disability_grade", "残疾等级"),
    Column("guardian_name", "监护人", ("监护人姓名",)),
    Column("guardian_relation", "监护关系", ("与监护人关系",)),
    Column("guardian_phone", "监护人电话", ("监护人联系电话",)),
    Column("consent", "知情同意", ("同意方式",)),
    Column("consent_date", "同意日期"),
    Column("consent_giver", "同意人"),
    Column("health_notes", "健康状况", ("健康与残疾情况",)),
]
HEADERS = {c.key: c.header for c in COLUMNS}

# the fields a row may change on a person already registered (an empty cell keeps them)
UPDATABLE = (
    "phone",
    "address",
    "self_care",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "health_notes",
)
# what rosters write for a relation to the head (户主), beside the choices' own labels
RELATIONS = [
    *((w, "head") for w in ("户主", "本人", "户主本人")),
    *((w, "spouse") for w in ("配偶", "妻", "夫", "妻子", "丈夫")),
    *((w, "child") for w in ("子女", "子", "女", "儿子", "女儿", "长子", "长女", "次子", "次女")),
    *((w, "parent") for w in ("父母", "父亲", "母亲")),
    *((w, "grandchild") for w in ("孙子女", "孙子", "孙女", "外孙子女", "外孙", "外孙女")),
    *((w, "grandparent") for w in ("祖父母", "祖父", "祖母", "外祖父母")),
    *((w, "sibling") for w in ("兄弟姐妹", "兄", "弟", "姐", "妹")),
    ("其他", "other"),
]
GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "1": 1, "2": 2, "3": 3, "4": 4}
SEPARATORS = re.compile(r"[、,，;；/\s]+")


class Villages:
    """The villages of ``region`` (and below), read once, found by a row's 12-digit code
    or by its name (with the township's when two villages share one): the columns
    ``village``, ``village_name`` and ``township_name`` of every roster."""

    def __init__(self, region: Region):
        self.region = region
        villages = Region.objects.filter(in_subtree("code", region.code), level=Level.VILLAGE)
        self.villages = {r.code: r for r in villages.only("code", "name", "level")}
        townships = dict(
            Region.objects.filter(
                in_subtree("code", region.code), level=Level.TOWNSHIP
            ).values_list("code", "name")
        )
        self.by_name: dict[str, list[str]] = {}
        for code, r in self.villages.items():
            self.by_name.setdefault(r.name, []).append(code)
            self.by_name.setdefault(f"{townships.get(code[:9], '')}/{r.name}", []).append(code)

    def find(self, values: dict, errors: dict) -> str:
        """The row's village code ("" and a message in ``errors`` when none is found)."""
        code = values.get("village", "").strip()
        if code:
            if code not in self.villages:
                errors["village"] = _("No village with code %(code)s in %(region)s.") % {
                    "code": code[:12],
                    "region": self.region.name,
                }
            return code
        name = values.get("village_name", "").strip()
        if not name:
            errors["village_name"] = _("Give the village's code or its name.")
            return ""
        township = values.get("township_name", "").strip()
        codes = self.by_name.get(f"{township}/{name}" if township else name, [])
        if len(codes) == 1:
            return codes[0]
        errors["village_name"] = (
            _("No village called %(name)s in %(region)s.")
            if not codes
            else _("%(name)s names more than one village; give the township or the code.")
        ) % {"name": name[:20], "region": self.region.name}
        return ""


class PeopleImport:
    """Checks and writes rows of people for ``region`` (and below), as ``by`` (None for
    an operator's command: the region is the scope). The caller has checked that ``by``
    may import into ``region`` (``may_import``). ``on_existing``: "update" or "skip"."""

    columns = COLUMNS
    headers = HEADERS
    refused = gettext_lazy("Only station staff and county officers import people.")

    @staticmethod
    def may(user: AbstractBaseUser) -> bool:
        """Whether ``user`` may import people anywhere (station staff, county officers)."""
        return getattr(user, "is_active", False) and (
            person_restrict_q(user, "import", "code") is not None
        )

    def __init__(self, *, by: AbstractBaseUser | None, region: Region, on_existing: str):
        self.by, self.region, self.on_existing = by, region, on_existing
        self.places = Villages(region)
        self.villages = self.places.villages
        cats = list(Category.current())
        self.categories = {c.name: c for c in cats} | {c.code.lower(): c for c in cats}
        self.sex = choices(Recipient.Sex.choices, ("男性", "M"), ("女性", "F"))
        self.self_care = choices(
            Recipient.SelfCare.choices, ("自理", "full"), ("半自理", "partial"), ("失能", "none")
        )
        self.consent = choices(Recipient.Consent.choices, ("无", "none"), ("否", "none"))
        self.giver = choices(Recipient.ConsentGiver.choices, ("本人", "self"))
        self.disability = choices(RecipientCategory.DisabilityType.choices)
        self.relation = choices(Recipient.Relation.choices, *RELATIONS)
        self.seen: dict[str, int] = {}  # ID hash -> the first line that had it
        # heads of the households this import starts: ID hash -> (village, line), as
        # checked; and, as written, ID hash -> the household's id
        self.heads: dict[str, tuple[str, int]] = {}
        self.households: dict[str, int] = {}
        self.links: dict[tuple, dict] = {}  # prepared category links, by category and detail

    # ----- one row ----------------------------------------------------------------------

    def to_input(self, values: dict[str, str], errors: dict) -> RecipientInput:
        """A row's texts as a person's input; what cannot be read goes to ``errors``."""
        data = {}
        for key in ("name", "id_number", "address", "guardian_name", "guardian_relation"):
            data[key] = values.get(key, "")
        data["health_notes"] = values.get("health_notes", "")
        data["id_number"] = data["id_number"].replace(" ", "").upper()
        for key in ("phone", "guardian_phone"):
            data[key] = values.get(key, "")
        if "E+" in data["id_number"]:
            errors["id_number"] = _(
                "The ID number was stored as a number and lost its last digits; format the "
                "column as text and type it again."
            )
        for key, table in (
            ("sex", self.sex),
            ("self_care", self.self_care),
            ("consent", self.consent),
            ("consent_giver", self.giver),
            ("disability_type", self.disability),
        ):
            text = values.get(key, "")
            if text:
                if text.lower() in table:
                    data[key] = table[text.lower()]
                else:
                    errors[key] = _("Not one of the choices: %(text)s") % {"text": text[:20]}
        for key in ("birth_date", "consent_date"):
            if values.get(key):
                try:
                    data[key] = parse_date(values[key])
                except ValidationError as exc:
                    errors[key] = exc.messages[0]
        if values.get("disability_grade"):
            grade = GRADES.get(values["disability_grade"].replace("残疾", "").strip())
            if grade is None:
                errors["disability_grade"] = _("A grade from 一级 to 四级.")
            data["disability_grade"] = grade
        names = [n for n in SEPARATORS.split(values.get("categories", "")) if n]
        found = [self.categories.get(n) or self.categories.get(n.lower()) for n in names]
        unknown = [n for n, c in zip(names, found, strict=True) if c is None]
        if unknown:
            errors["categories"] = _("Not a category in use: %(names)s") % {
                "names": "、".join(unknown)
            }
        data["categories"] = tuple(dict.fromkeys(c.pk for c in found if c is not None))
        data["region"] = self._village(values, errors)
        if data.get("consent") and data["consent"] != Recipient.Consent.NONE:
            data.setdefault("consent_date", None)
        return RecipientInput(**data)

    def _village(self, values: dict, errors: dict) -> str:
        return self.places.find(values, errors)

    # ----- a batch ----------------------------------------------------------------------

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[Outcome]:
        """The outcome of each row of a batch; reads the batch's people in one query."""
        staged = []
        for line, values in rows:
            if values.get("name", "").startswith(EXAMPLE):
                continue
            errors: dict[str, str] = {}
            data = self.to_input(values, errors)
            person = Recipient(created_by=self.by)
            categories = [self._category(pk) for pk in data.categories]
            recipient_rules(person=person, data=data, categories=categories, errors=errors)
            person.region = self.villages.get(data.region)
            # the keyed hash once per row: it finds the person and is stored as id_hash
            digest = crypto.keyed_hash(person.id_number) if person.id_number else None
            plan = self._plan(values, person, errors)
            staged.append((line, data, person, categories, errors, digest, plan))
        hashes = [d for *_r, e, d, _p in staged if d and not e]
        known = {
            p.id_hash: p
            for p in Recipient.objects.filter(id_hash__in=hashes).prefetch_related("category_links")
        }
        heads = self._registered_heads([p[1] for *_r, p in staged if p[:1] == ("member",)])
        outcomes = []
        for line, data, person, categories, errors, digest, plan in staged:
            if digest and "id_number" not in errors:
                first = self.seen.setdefault(digest, line)
                if first != line:
                    errors["id_number"] = _("This ID number is also on line %(line)s.") % {
                        "line": first
                    }
            if errors:
                outcomes.append(Outcome(line, Action.INVALID, errors))
                continue
            existing = known.get(digest) if digest else None
            if existing is not None:
                outcome = self._existing(line, existing, person, categories)
                outcome.detail = self._detail(categories, data)
                joins = outcome.action in (Action.UPDATED, Action.UNCHANGED)
                if plan and joins and existing.household_id is None:
                    found = self._place(plan, existing.region_id, digest, line, heads, errors)
                    if errors:
                        outcome = Outcome(line, Action.INVALID, errors)
                    else:
                        outcome.action, outcome.household = Action.UPDATED, found
                        outcome.changed = (*outcome.changed, "household_id", "relation")
                outcomes.append(outcome)
                continue
            self._model_rules(person, errors)
            found = self._place(plan, person.region_id, digest, line, heads, errors) if plan else ()
            if errors:
                outcomes.append(Outcome(line, Action.INVALID, errors))
                continue
            person.id_hash, person.id_last4 = digest, person.id_number[-4:]
            outcomes.append(
                Outcome(
                    line,
                    Action.NEW,
                    person=person,
                    categories=categories,
                    detail=self._detail(categories, data),
                    household=found,
                )
            )
        return outcomes

    # ----- households -------------------------------------------------------------------

    def _plan(self, values: dict[str, str], person: Recipient, errors: dict) -> tuple:
        """The row's household as typed: ("head",) when the row is its head (户主, or the
        head's ID number is the row's own), ("member", the head's ID hash, relation), or
        () when the row says nothing of a household."""
        text = values.get("relation", "").strip()
        typed = values.get("head_id_number", "").replace(" ", "").upper()
        if not text and not typed:
            return ()
        relation = self.relation.get(text.lower(), "") if text else ""
        if text and not relation:
            errors["relation"] = _("Not one of the choices: %(text)s") % {"text": text[:20]}
            return ()
        head = ""
        if typed:
            try:
                head = parse_id_number(typed).number
            except ValidationError as exc:
                errors["head_id_number"] = exc.messages[0]
                return ()
        head_row = relation == Recipient.Relation.HEAD
        if head and head == person.id_number:
            if relation and not head_row:
                errors["relation"] = _("The head's ID number is the person's own: write 户主.")
            return ("head",)
        if head_row:
            if head:
                errors["head_id_number"] = _(
                    "A head of household gives their own ID number here, or none."
                )
                return ()
            return ("head",)
        if not relation:
            errors["relation"] = _("Give the relation to the head of the household.")
            return ()
        if not head:
            errors["head_id_number"] = _("Give the head of household's ID number.")
            return ()
        return ("member", crypto.keyed_hash(head), relation)

    def _registered_heads(self, hashes: list[str]) -> dict[str, tuple]:
        """The registered people among a batch's heads (one query): ID hash -> (their
        household, their village, their relation, the household's village)."""
        if not hashes:
            return {}
        rows = Recipient.objects.filter(id_hash__in=set(hashes)).values_list(
            "id_hash", "household_id", "region_id", "relation", "household__region_id"
        )
        return {h: rest for h, *rest in rows}

    def _place(self, plan: tuple, village: str, digest, line: int, heads: dict, errors) -> tuple:
        """A valid row's household, found: a head starts one (and later lines may name
        it); a member joins the household of a head on an earlier line, or of a head
        registered before, in the same village. What is wrong goes to ``errors``."""
        if plan[0] == "head":
            if digest:
                self.heads[digest] = (village, line)
            return plan
        _member, head, _relation = plan
        if head in self.heads:
            where, first = self.heads[head]
            if where != village:
                errors["head_id_number"] = _(
                    "The head of household (line %(line)s) lives in another village."
                ) % {"line": first}
            return (*plan, None)
        found = heads.get(head)
        if found is None:
            errors["head_id_number"] = _(
                "No head of household with this ID number: not registered, and not on an "
                "earlier line."
            )
            return ()
        household, region, relation, household_village = found
        if not region.startswith(self.region.code):
            errors["head_id_number"] = _("This head of household is registered outside your area.")
        elif household is None or relation != Recipient.Relation.HEAD:
            errors["head_id_number"] = _(
                "This person is registered but heads no household: start the household on "
                "their record first."
            )
        elif household_village != village:
            errors["head_id_number"] = _("The head's household lives in another village.")
        else:
            return (*plan, household)
        return ()

    def _start_households(self, outcomes: list[Outcome]) -> list[tuple[Outcome, Household]]:
        """Before a checked batch's people are written: the households its heads start
        (their head set once the people have ids), each person's household and relation
        set. Returns the heads' outcomes with their households."""
        started = [o for o in outcomes if o.household[:1] == ("head",)]
        now = timezone.now()
        homes = insert_rows(
            Household,
            [
                Household(region_id=o.person.region_id, address=o.person.address, created_at=now)
                for o in started
            ],
        )
        for o, home in zip(started, homes, strict=True):
            o.person.household_id, o.person.relation = home.pk, Recipient.Relation.HEAD
            if o.person.id_hash:
                self.households[o.person.id_hash] = home.pk
        for o in outcomes:
            if o.household[:1] == ("member",):
                _member, head, relation, registered = o.household
                o.person.household_id = registered or self.households[head]
                o.person.relation = relation
        return list(zip(started, homes, strict=True))

    def _category(self, pk: int) -> Category:
        return next(c for c in self.categories.values() if c.pk == pk)

    def _existing(self, line, person: Recipient, typed: Recipient, categories) -> Outcome:
        """A row whose person is registered: skipped, or its ``UPDATABLE`` fields set from
        the row (``typed``, already checked) where the row gives a value."""
        if not person.region_id.startswith(self.region.code):
            return Outcome(
                line,
                Action.INVALID,
                {
                    "id_number": _(
                        "This ID number is already registered outside your area; ask the "
                        "county civil-affairs bureau to transfer the person."
                    )
                },
            )
        if self.on_existing == "skip":
            return Outcome(line, Action.SKIPPED, person=person)
        changed = []
        for name in UPDATABLE:
            value = getattr(typed, name)
            if value and value != getattr(person, name):
                setattr(person, name, value)
                changed.append(name)
        if changed:
            errors: dict[str, str] = {}
            self._model_rules(person, errors)
            if errors:
                return Outcome(line, Action.INVALID, errors)
        have = {link.category_id for link in person.category_links.all()}
        new = [c for c in categories if c.pk not in have]
        if new:
            changed.append("categories")
        action = Action.UPDATED if changed else Action.UNCHANGED
        return Outcome(
            line,
            action,
            person=person,
            categories=new,
            changed=tuple(changed),
            have=sorted(have),
        )

    def _model_rules(self, person: Recipient, errors: dict) -> None:
        try:
            full_clean(person, errors, exclude=("region", "household"), database=False)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})

    # ----- writing ------------------------------------------------------------------------

    def write(self, outcomes: list[Outcome]) -> None:
        """Write a checked batch: the new people with their categories and facts, the
        updated people and their added categories (invalid and skipped rows are left)."""
        written = [o for o in outcomes if o.action in (Action.NEW, Action.UPDATED)]
        started = self._start_households(written)
        new = [o for o in outcomes if o.action == Action.NEW]
        if new:
            people = insert_rows(Recipient, [o.person for o in new])
            links = [
                RecipientCategory(
                    recipient=p, category=c, **(o.detail if c.needs_disability_detail else {})
                )
                for o, p in zip(new, people, strict=True)
                for c in o.categories
            ]
            insert_rows(RecipientCategory, links)
            facts = [f for p in people for f in person_facts(p)]
            engine.replace("person", [p.pk for p in people], facts)
        updated = [o for o in outcomes if o.action == Action.UPDATED]
        fields = sorted({n for o in updated for n in o.changed if n != "categories"})
        if fields:
            edited = [o.person for o in updated if set(o.changed) - {"categories"}]
            for person in edited:  # an edit form opened before the import is told
                person.version = F("version") + 1
            Recipient.objects.bulk_update(edited, [*fields, "version"], batch_size=500)
        added = [
            RecipientCategory(
                recipient=o.person,
                category=c,
                **(o.detail if c.needs_disability_detail else {}),
            )
            for o in updated
            for c in o.categories
        ]
        if added:
            insert_rows(RecipientCategory, added)
        if started:
            homes = []
            for o, home in started:
                home.head_id = o.person.pk
                homes.append(home)
            Household.objects.bulk_update(homes, ["head"], batch_size=500)
            facts = [f for home in homes for f in household_facts(home)]
            engine.replace("household", [h.pk for h in homes], facts)

    # ----- the dry run's findings, kept for the commit ---------------------------------

    def stage(self, outcome: Outcome) -> dict | None:
        """What the commit needs of a checked row, as JSON: the action; a new person's
        values prepared for the table and the hash that must still be unregistered; a
        registered person's id, version and categories as read, and an update's prepared
        values. None for an invalid row."""
        if outcome.action == Action.INVALID:
            return None
        links = [
            [c.pk, outcome.detail if c.needs_disability_detail else {}] for c in outcome.categories
        ]
        person = outcome.person
        household = list(outcome.household)
        if household[:1] == ["head"]:  # the household's address and village, and whose
            address = prepare(person, only=["address"])["address"]
            household = ["head", address, person.region_id, person.id_hash]
        if outcome.action == Action.NEW:
            return {
                "a": Action.NEW,
                "h": person.id_hash,
                "row": prepare(person),
                "c": links,
                "hh": household,
            }
        found = {"a": outcome.action, "pk": person.pk, "v": person.version, "have": outcome.have}
        if outcome.action == Action.UPDATED:
            names = [n for n in outcome.changed if n not in ("categories", "household_id")]
            found |= {"set": prepare(person, only=names), "c": links, "hh": household}
        return found

    def write_staged(self, staged: list[dict]) -> None:
        """Write a batch of ``stage``'s records, after asking the database whether what
        each rests on still holds (raises ``StaleStage`` if not, having written nothing
        of the batch): the ID numbers still unregistered, the villages and categories
        still there, each registered person at the version and with the categories read."""
        new = [r for r in staged if r["a"] == Action.NEW]
        known = {r["pk"]: r for r in staged if r["a"] != Action.NEW}
        current = {c.pk for c in self.categories.values()}
        for r in staged:
            if any(pk not in current for pk, _d in r.get("c", ())):
                raise StaleStage
            if r["a"] == Action.NEW and r["row"]["region_id"] not in self.villages:
                raise StaleStage
        hashes = [r["h"] for r in new if r["h"]]
        if hashes and Recipient.objects.filter(id_hash__in=hashes).exists():
            raise StaleStage
        if known:
            versions = dict(Recipient.objects.filter(pk__in=known).values_list("pk", "version"))
            have = defaultdict(list)
            for pk, category in RecipientCategory.objects.filter(
                recipient_id__in=known
            ).values_list("recipient_id", "category_id"):
                have[pk].append(category)
            for pk, r in known.items():
                if versions.get(pk) != r["v"]:
                    raise StaleStage
                if r["a"] != Action.SKIPPED and sorted(have[pk]) != r["have"]:
                    raise StaleStage
        self._joined_still_there(staged)
        # the new people's keys first (PostgreSQL), so that the households they head are
        # written naming them, with nothing to update after
        ids = reserved = reserve_ids(Recipient, len(new))
        started = self._start_staged_households(staged, new, ids)
        ids = insert_prepared(Recipient, [r["row"] for r in new], ids=ids)
        updates = [(pk, r["v"], r["set"]) for pk, r in known.items() if r.get("set")]
        if update_prepared(Recipient, updates) != len(updates):
            raise StaleStage
        links = [
            {**self._link(category, detail), "recipient_id": pk}
            for pk, r in [*zip(ids, new, strict=True), *known.items()]
            for category, detail in r.get("c", ())
        ]
        insert_prepared(RecipientCategory, links, keys=False)
        facts = []
        if started:
            heads = dict(zip((id(r) for r in new), ids, strict=True))
            headless = [(r, home) for r, home in started if r["a"] == Action.NEW]
            if headless and not reserved:  # SQLite: the heads' keys are known only now
                Household.objects.bulk_update(
                    [Household(pk=home, head_id=heads[id(r)]) for r, home in headless],
                    ["head"],
                    batch_size=500,
                )
            now = timezone.now()
            facts += [
                f
                for r, home in started
                for f in household_facts(
                    SimpleNamespace(pk=home, created_at=now, region_id=r["hh"][2])
                )
            ]
        if ids:
            # what person_facts reads of a person just written (a model instance each
            # would cost more than the facts themselves)
            now, by = timezone.now(), self.by
            people = [
                SimpleNamespace(
                    pk=pk,
                    created_at=now,
                    region_id=r["row"]["region_id"],
                    created_by=by,
                    created_by_id=getattr(by, "pk", None),
                )
                for pk, r in zip(ids, new, strict=True)
            ]
            facts += [f for p in people for f in person_facts(p)]
            engine.add(facts, fresh={p.pk: p.region_id for p in people})
        elif facts:
            engine.add(facts, fresh={})

    def _joined_still_there(self, staged: list[dict]) -> None:
        """``StaleStage`` unless each registered household a row joins is still headed
        by the person the check found."""
        joined = {r["hh"][3]: r["hh"][1] for r in staged if _hh(r) == "member"}
        joined.pop(None, None)
        if joined:
            heads = Household.objects.filter(pk__in=joined).values_list("pk", "head__id_hash")
            if dict(heads) != joined:
                raise StaleStage

    def _start_staged_households(
        self, staged: list[dict], new: list[dict], ids: list[int] | None
    ) -> list[tuple[dict, int]]:
        """``_start_households`` for a batch of ``stage``'s records: the households its
        heads start, inserted from the values the check kept (naming their heads: a
        registered person, or a new one by the key reserved for it, ``ids``), and each
        row's household and relation set in what is written."""
        started = [r for r in staged if _hh(r) == "head"]
        base = prepare(Household())
        keys = dict(zip((id(r) for r in new), ids or (), strict=False))
        homes = insert_prepared(
            Household,
            [
                {
                    **base,
                    "region_id": r["hh"][2],
                    "address": r["hh"][1],
                    "head_id": r.get("pk") or keys.get(id(r)),
                }
                for r in started
            ],
        )
        for r, home in zip(started, homes, strict=True):
            if r["hh"][3]:
                self.households[r["hh"][3]] = home
            self._join(r, home, Recipient.Relation.HEAD)
        for r in staged:
            if _hh(r) == "member":
                _member, head, relation, registered = r["hh"]
                self._join(r, registered or self.households[head], relation)
        return list(zip(started, homes, strict=True))

    @staticmethod
    def _join(record: dict, household: int, relation: str) -> None:
        values = record["row"] if record["a"] == Action.NEW else record["set"]
        values["household_id"], values["relation"] = household, relation

    def _link(self, category: int, detail: dict) -> dict:
        """A category link's prepared values (but the person), once per category and
        detail."""
        key = (category, tuple(sorted(detail.items())))
        if key not in self.links:
            link = RecipientCategory(category_id=category, **detail)
            self.links[key] = prepare(link)
        return self.links[key]

    @staticmethod
    def _detail(categories: list[Category], data: RecipientInput) -> dict:
        if not any(c.needs_disability_detail for c in categories):
            return {}
        return {
            "disability_type": data.disability_type,
            "disability_grade": data.disability_grade,
        }


def _hh(record: dict) -> str:
    """What a kept record's household is: "head", "member" or ""."""
    return (record.get("hh") or [""])[0]
