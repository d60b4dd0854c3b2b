"""Writes of the evaluation cycle. Each takes typed data, checks the role, the place and
the cycle's own rules (a published tree is frozen and its maxima add up; a spot check
draws at least 30 %; an evaluator scores only their assigned stations while the round
runs; a submitted sheet is locked; appeals within the round's days; a five-star rating
needs the province where the rule set says so), and writes one audit entry in the same
transaction."""

import datetime
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.accounts.models import User
from shegong.accounts.roles import Role
from shegong.audit.describe import snapshot
from shegong.audit.services import audit_log, audit_saved
from shegong.core.divisions import in_subtree
from shegong.core.restrict import can, may_add, require_may_save
from shegong.core.validation import all_of, full_clean, locked, one_of
from shegong.core.validators import normalize_credit_code, normalize_phone
from shegong.indicators.compute import rule_set_for
from shegong.purchase import services as purchase
from shegong.purchase.models import Instalment
from shegong.regions.models import Level, Region
from shegong.regions.selectors import place_in_scope
from shegong.stations.models import Station
from shegong.stations.services import station_stars_derive

from . import scoring
from .models import (
    Appeal,
    Assignment,
    CountySummary,
    EvaluationAgency,
    Evidence,
    Grade,
    Node,
    Rectification,
    Result,
    Round,
    RoundStation,
    Score,
    Sheet,
    StarDecision,
    Tree,
)
from .trees import NodeLine

TREE_AUDIT = ("region_code", "year", "title", "total", "source", "status")
AGENCY_AUDIT = ("name", "credit_code", "region", "contact_person", "phone", "members")
ROUND_AUDIT = (
    "region",
    "year",
    "kind",
    "tier",
    "title",
    "tree",
    "opens_on",
    "closes_on",
    "appeal_days",
    "rectify_below",
    "rectify_days",
    "sample_share",
    "seed",
    "population",
)


def _num(value) -> str:
    return scoring._num(value)


# ----- indicator trees -------------------------------------------------------------------


@dataclass(frozen=True)
class TreeInput:
    """A tree as imported: its place (province or city code), year, title, total and the
    nodes read from the sheet (``trees.parse``)."""

    region_code: str
    year: int
    title: str
    nodes: tuple[NodeLine, ...]
    total: Decimal = Decimal(100)
    source: str = ""


def _tree_errors(data: TreeInput) -> list[str]:
    problems = scoring.sum_errors(data.nodes, data.total)
    for node in data.nodes:
        if node.level == 3 and node.method:
            for message in scoring.method_errors(
                method=node.method, max_score=node.max_score, options=list(node.options)
            ):
                problems.append(f"{node.code} {node.title}: {message}")
    return problems


@transaction.atomic
def tree_import(
    *,
    by: User,
    data: TreeInput,
    instance: Tree | None = None,
    request: HttpRequest | None = None,
) -> Tree:
    """Save an indicator tree as a draft (``instance`` None), or replace the nodes of a
    draft ``by`` may change.

    The caller may rely on: only province and city officers, for a province or city in
    their area; a published tree is never changed; at least one item; every dimension and
    sub-dimension holds the sum of its items and the dimensions the total (each mismatch
    named); each item's parts fit its method. Tree, nodes and audit entry are one
    transaction.
    """
    refused = _("Only province and city officers keep indicator trees.")
    require_may_save(by, Tree, instance, add_refused=refused, change_refused=refused)
    if instance is not None and instance.is_published:
        raise ValidationError({"__all__": _("A published tree cannot change; copy it to revise.")})
    errors: dict = {}
    code = (data.region_code or "").strip()
    if (
        len(code) not in (2, 4)
        or not Region.objects.filter(in_subtree("code", by.scope_code), code=code).exists()
    ):
        errors["region_code"] = _("This province or city is not in your area.")
    if not any(n.level == 3 for n in data.nodes):
        errors["file"] = _("The sheet holds no items.")
    else:
        problems = _tree_errors(data)
        if problems:
            errors["file"] = problems
    tree = instance or Tree(owner=by)
    before = snapshot(instance, TREE_AUDIT) if instance else None
    tree.region_code, tree.year, tree.title = code, data.year, data.title
    tree.total, tree.source = data.total, data.source
    full_clean(tree, errors, exclude=("owner", "copied_from"))
    tree.save()
    tree.nodes.all().delete()
    _write_nodes(tree, data.nodes)
    audit_saved(
        entity="tree",
        obj=tree,
        by=by,
        request=request,
        before=before,
        fields=TREE_AUDIT,
        extra={"items": sum(1 for n in data.nodes if n.level == 3)},
    )
    return tree


@transaction.atomic
def tree_received(*, data: TreeInput, source: str) -> tuple[Tree, bool]:
    """A published tree received from the province or city deployment ``source`` in a
    signed package (the signature is the authority): saved as published, or found already
    here with the same items. Returns the tree and whether it was new.

    The caller may rely on: the same checks as an import (items, sums, methods); a tree of
    the same place, year and title that differs is refused, since a published tree never
    changes (the sender publishes a revision under a new title); audited."""
    existing = Tree.objects.filter(
        region_code=data.region_code, year=data.year, title=data.title
    ).first()
    if existing is not None:
        if existing.is_published and tree_lines(tree=existing) == tuple(data.nodes):
            return existing, False
        raise ValidationError(
            _("“%(title)s” is here already and differs: a published tree never changes.")
            % {"title": data.title}
        )
    problems = (
        _tree_errors(data)
        if any(n.level == 3 for n in data.nodes)
        else [_("The sheet holds no items.")]
    )
    if problems:
        raise ValidationError({"__all__": problems})
    tree = Tree(
        region_code=data.region_code,
        year=data.year,
        title=data.title,
        total=data.total,
        source=data.source,
        status=Tree.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    full_clean(tree, {}, exclude=("owner", "copied_from"))
    tree.save()
    _write_nodes(tree, data.nodes)
    audit_log(
        action="shegong.tree.created",
        actor_name=source[:150],
        obj=tree,
        data={
            "title": tree.title,
            "year": tree.year,
            "received_from": source,
            "items": sum(1 for n in data.nodes if n.level == 3),
        },
    )
    return tree, True


def _write_nodes(tree: Tree, nodes) -> None:
    """Nodes in order, each parent saved before its children."""
    saved: dict[str, Node] = {}
    for seq, line in enumerate(nodes, 1):
        node = Node(
            tree=tree,
            parent=saved.get(line.parent_code) if line.parent_code else None,
            level=line.level,
            seq=seq,
            code=line.code,
            title=line.title[:200],
            max_score=line.max_score,
            standard=line.standard,
            evidence=line.evidence,
            method=line.method,
            options=list(line.options),
            metric=line.metric,
            bands=list(line.bands),
        )
        node.save()
        saved[line.code] = node


def tree_lines(*, tree: Tree) -> tuple[NodeLine, ...]:
    """A saved tree's nodes as the typed lines an import gives."""
    return tuple(
        NodeLine(
            code=n.code,
            parent_code=n.code.rsplit(".", 1)[0] if "." in n.code else None,
            level=n.level,
            title=n.title,
            max_score=n.max_score,
            standard=n.standard,
            evidence=n.evidence,
            method=n.method,
            options=tuple(n.options or ()),
            metric=n.metric,
            bands=tuple(n.bands or ()),
        )
        for n in tree.nodes.order_by("seq")
    )


@transaction.atomic
def tree_publish(*, by: User, tree: Tree, request: HttpRequest | None = None) -> Tree:
    """Publish a draft tree: from now on rounds may use it and it never changes.

    The caller may rely on: only who may change the tree; its maxima add up (checked
    again); once.
    """
    if not can(by, tree, "change"):
        raise PermissionDenied(_("Only province and city officers keep indicator trees."))
    tree = locked(Tree, tree)
    if tree.is_published:
        raise ValidationError({"__all__": _("This tree is published already.")})
    lines = tree_lines(tree=tree)
    problems = _tree_errors(
        TreeInput(tree.region_code, tree.year, tree.title, lines, total=tree.total)
    )
    if problems:
        raise ValidationError({"__all__": problems})
    tree.status, tree.published_at = Tree.Status.PUBLISHED, timezone.now()
    tree.version += 1
    tree.save(update_fields=["status", "published_at", "version", "updated_at"])
    audit_log(action="shegong.tree.published", actor=by, request=request, obj=tree)
    return tree


@transaction.atomic
def tree_copy(
    *, by: User, tree: Tree, year: int, title: str, request: HttpRequest | None = None
) -> Tree:
    """A draft copy of a tree ``by`` may read, for ``year`` under ``title``, in ``by``'s
    own province or city (a city may start from the province's tree)."""
    if not may_add(by, Tree):
        raise PermissionDenied(_("Only province and city officers keep indicator trees."))
    code = (by.scope_code or "")[:4] if by.role == Role.CITY_OFFICER else (by.scope_code or "")[:2]
    copy = tree_import(
        by=by,
        data=TreeInput(
            region_code=code,
            year=year,
            title=title,
            nodes=tree_lines(tree=tree),
            total=tree.total,
            source=tree.source,
        ),
        request=request,
    )
    copy.copied_from = tree
    copy.save(update_fields=["copied_from"])
    return copy


# ----- evaluation agencies ---------------------------------------------------------------


@dataclass(frozen=True)
class EvaluationAgencyInput:
    name: str
    credit_code: str
    region: str
    members: tuple[int, ...] = ()
    contact_person: str = ""
    phone: str = ""


@transaction.atomic
def evaluation_agency_record(
    *,
    by: User,
    data: EvaluationAgencyInput,
    instance: EvaluationAgency | None = None,
    request: HttpRequest | None = None,
) -> EvaluationAgency:
    """Add a third-party evaluation agency or change one, with its evaluators.

    The caller may rely on: only officers, registered in their area; members are active
    evaluator accounts of the officer's area; the model's rules.
    """
    refused = _("Only civil-affairs officers keep evaluation agencies.")
    require_may_save(by, EvaluationAgency, instance, add_refused=refused, change_refused=refused)
    errors: dict = {}
    region = place_in_scope(
        by=by,
        code=data.region,
        levels=(Level.PROVINCE, Level.CITY, Level.COUNTY),
        errors=errors,
    )
    evaluators = User.objects.restrict(by).filter(role=Role.EVALUATOR, is_active=True)
    members = all_of(evaluators, data.members, "members", errors)
    agency = instance or EvaluationAgency()
    before = snapshot(instance, AGENCY_AUDIT) if instance else None
    agency.name = data.name.strip()
    agency.credit_code = normalize_credit_code(data.credit_code or "")
    agency.contact_person, agency.phone = data.contact_person, normalize_phone(data.phone or "")
    agency.region = region
    full_clean(agency, errors, exclude=("region",) if region is None else ())
    agency.save()
    agency.members.set(members)
    audit_saved(
        entity="evaluation_agency",
        obj=agency,
        by=by,
        request=request,
        before=before,
        fields=AGENCY_AUDIT,
    )
    return agency


# ----- rounds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundInput:
    """A round as typed: its region (a county or a city code), the tree by id; for a spot
    check the share to draw (at least 30) and, optionally, the seed."""

    region: str
    year: int
    kind: str
    title: str
    tree: int | None
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    tier: str = Station.Tier.TOWNSHIP
    appeal_days: int = 7
    rectify_below: Decimal = Decimal(60)
    rectify_days: int = 30
    sample_share: Decimal | None = None
    seed: str = ""


@transaction.atomic
def round_record(
    *,
    by: User,
    data: RoundInput,
    instance: Round | None = None,
    request: HttpRequest | None = None,
) -> Round:
    """Open a round (``instance`` None) or change an open one's dates, days and title.

    The caller may rely on: only county and city officers, for their region; the tree
    published and one that applies there (the region's province or city); dates ordered
    and within a year of the service year; the stations are the region's active stations
    of the tier, or for a spot check a sample of at least 30 % drawn with a recorded seed
    (``scoring.draw``); the stations, kind, tree and sample never change once opened.
    """
    refused = _("Only county and city officers open evaluation rounds.")
    require_may_save(by, Round, instance, add_refused=refused, change_refused=refused)
    errors: dict = {}
    if instance is not None:
        if instance.status != Round.Status.OPEN:
            raise ValidationError({"__all__": _("A published round cannot change.")})
        before = snapshot(instance, ROUND_AUDIT)
        rnd = instance
        rnd.title, rnd.opens_on, rnd.closes_on = data.title, data.opens_on, data.closes_on
        rnd.appeal_days, rnd.rectify_below = data.appeal_days, data.rectify_below
        rnd.rectify_days = data.rectify_days
        _round_dates(rnd, errors)
        full_clean(rnd, errors, exclude=("created_by", "tree", "region"))
        rnd.save()
        audit_saved(
            entity="round", obj=rnd, by=by, request=request, before=before, fields=ROUND_AUDIT
        )
        return rnd
    region = place_in_scope(
        by=by, code=data.region, levels=(Level.CITY, Level.COUNTY), errors=errors
    )
    trees = Tree.objects.restrict(by).filter(status=Tree.Status.PUBLISHED)
    tree = one_of(trees, data.tree, "tree", errors)
    if tree and region and not region.code.startswith(tree.region_code):
        errors["tree"] = _("This tree is not one of this region's province or city.")
    rnd = Round(
        region=region,
        year=data.year,
        kind=data.kind,
        tier=data.tier,
        title=data.title,
        tree=tree,
        opens_on=data.opens_on,
        closes_on=data.closes_on,
        appeal_days=data.appeal_days,
        rectify_below=data.rectify_below,
        rectify_days=data.rectify_days,
        created_by=by,
    )
    if data.kind == Round.Kind.SPOT:
        if data.sample_share is None:
            errors["sample_share"] = _("A spot check draws at least 30 % of the stations.")
        rnd.sample_share = data.sample_share
        rnd.seed = (data.seed or "").strip()[:32] or secrets.token_hex(8)
    elif data.sample_share is not None:
        errors["sample_share"] = _("Only a spot check draws a sample.")
    _round_dates(rnd, errors)
    full_clean(rnd, errors, exclude=("region", "tree") if not (region and tree) else ())
    stations = list(
        Station.objects.filter(
            in_subtree("region_id", region.code), tier=data.tier, is_active=True
        ).values_list("pk", flat=True)
    )
    if not stations:
        raise ValidationError({"region": _("This region has no active stations of this tier.")})
    chosen = sorted(stations)
    if rnd.kind == Round.Kind.SPOT:
        chosen = scoring.draw(stations, rnd.sample_share, rnd.seed)
    rnd.population = len(stations)
    rnd.save()
    RoundStation.objects.bulk_create(
        RoundStation(round=rnd, station_id=pk, draw_order=n) for n, pk in enumerate(chosen, 1)
    )
    audit_saved(
        entity="round",
        obj=rnd,
        by=by,
        request=request,
        fields=ROUND_AUDIT,
        extra={"stations": len(chosen)},
    )
    return rnd


def _round_dates(rnd: Round, errors: dict) -> None:
    if rnd.opens_on is None:
        errors["opens_on"] = _("This field is required.")
    if rnd.closes_on is None:
        errors["closes_on"] = _("This field is required.")
    if rnd.opens_on and rnd.closes_on:
        if rnd.closes_on < rnd.opens_on:
            errors["closes_on"] = _("The round closes before it opens.")
        elif rnd.year and not (rnd.year - 1 <= rnd.opens_on.year <= rnd.year + 1):
            errors["opens_on"] = _("The round opens more than a year from its service year.")


@dataclass(frozen=True)
class AssignmentInput:
    station: int | None
    evaluator: int | None
    agency: int | None
    is_lead: bool = False


@transaction.atomic
def assignment_record(
    *, by: User, round: Round, data: AssignmentInput, request: HttpRequest | None = None
) -> Assignment:
    """Bind an evaluator of an evaluation agency to a station of an open round.

    The caller may rely on: only who may change the round; the station is one of the
    round's; the evaluator an active evaluator account who works for the agency; once per
    station; one lead per station (a new lead takes over); a self-assessment round has no
    evaluators.
    """
    if not can(by, round, "change"):
        raise PermissionDenied(_("Only county and city officers open evaluation rounds."))
    round = locked(Round, round)
    if round.status != Round.Status.OPEN:
        raise ValidationError({"__all__": _("A published round cannot change.")})
    if round.kind == Round.Kind.SELF:
        raise ValidationError({"__all__": _("A self-assessment is scored by the stations.")})
    errors: dict = {}
    station = one_of(round.stations.all(), data.station, "station", errors)
    agency = one_of(EvaluationAgency.objects.restrict(by), data.agency, "agency", errors)
    evaluator = None
    if agency is not None:
        evaluator = one_of(
            agency.members.filter(role=Role.EVALUATOR, is_active=True),
            data.evaluator,
            "evaluator",
            errors,
        )
    elif data.evaluator is None:
        errors["evaluator"] = _("This field is required.")
    if data.station is None:
        errors["station"] = _("This field is required.")
    if data.agency is None:
        errors["agency"] = _("This field is required.")
    if (
        station
        and evaluator
        and round.assignments.filter(station=station, evaluator=evaluator).exists()
    ):
        errors["evaluator"] = _("This evaluator is assigned to this station already.")
    if errors:
        raise ValidationError(errors)
    is_lead = data.is_lead or not round.assignments.filter(station=station).exists()
    if is_lead:
        round.assignments.filter(station=station, is_lead=True).update(is_lead=False)
        Sheet.objects.filter(round=round, station=station, kind=Sheet.Kind.EVALUATOR).update(
            is_lead=False
        )
        Sheet.objects.filter(round=round, station=station, author=evaluator).update(is_lead=True)
    assignment = Assignment.objects.create(
        round=round, station=station, evaluator=evaluator, agency=agency, is_lead=is_lead
    )
    audit_log(
        action="shegong.assignment.created",
        actor=by,
        request=request,
        obj=round,
        data={
            "station": station.name,
            "evaluator": evaluator.display_name,
            "agency": agency.name,
            "lead": _("Yes") if is_lead else _("No"),
        },
    )
    return assignment


# ----- score sheets ----------------------------------------------------------------------


@transaction.atomic
def sheet_open(*, by: User, round: Round, station: Station) -> Sheet:
    """``by``'s sheet for ``station`` in ``round``, made empty the first time.

    The caller may rely on: an evaluator only for a station assigned to them while the
    round runs; a station lead only their own station's self-assessment; 404-like
    PermissionDenied otherwise.
    """
    today = timezone.localdate()
    if by.role == Role.EVALUATOR:
        assignment = (
            Assignment.objects.active(by, today).filter(round=round, station=station).first()
        )
        if assignment is None:
            raise PermissionDenied(_("This station is not assigned to you in a running round."))
        kind, is_lead = Sheet.Kind.EVALUATOR, assignment.is_lead
    elif by.role == Role.STATION_LEAD and by.station_id == station.pk:
        if round.kind != Round.Kind.SELF:
            raise PermissionDenied(_("Only the assigned evaluators and the station lead score."))
        if not round.entries.filter(station=station).exists():
            raise PermissionDenied(_("This station is not in the round."))
        if not round.is_running(today):
            raise PermissionDenied(_("The round is not running."))
        kind, is_lead = Sheet.Kind.SELF, False
    else:
        raise PermissionDenied(_("Only the assigned evaluators and the station lead score."))
    sheet, _created = Sheet.objects.get_or_create(
        round=round,
        station=station,
        author=by,
        defaults={"kind": kind, "is_lead": is_lead, "region_id": station.region_id},
    )
    return sheet


@dataclass(frozen=True)
class ScoreLine:
    item: int
    score: Decimal | None = None
    comment: str = ""
    flagged: bool = False


@dataclass(frozen=True)
class SheetInput:
    """Scores as typed, one line per item scored so far; ``submit`` locks the sheet."""

    scores: tuple[ScoreLine, ...]
    submit: bool = False
    evidence: tuple = field(default_factory=tuple)  # (item id, upload, checked kind)


@transaction.atomic
def sheet_save(
    *, by: User, data: SheetInput, instance: Sheet, request: HttpRequest | None = None
) -> Sheet:
    """Save a draft sheet's scores (as often as the evaluator likes), and lock it on
    submit.

    The caller may rely on: only the sheet's author, while it is a draft and the round
    runs (for an evaluator, while assigned); each item one of the round's tree; each
    score one the item's method allows (0 to the maximum; 0 or the maximum for yes/no;
    a level's score for graded; a sum of sub-checks for combined); on submit every item
    scored, and a flagged or low item has a comment; the total kept; evidence files
    checked by content and size. Scores, evidence and the audit entry are one transaction.
    """
    if not can(by, instance, "change"):
        raise PermissionDenied(_("This sheet is not yours to score, or it is submitted."))
    sheet = instance
    if not sheet.round.is_running():
        raise ValidationError({"__all__": _("The round is not running.")})
    items = {n.pk: n for n in sheet.round.tree.nodes.filter(level=Node.Level.ITEM)}
    existing = {s.item_id: s for s in sheet.scores.all()}
    errors: dict = {}
    for line in data.scores:
        item = items.get(line.item)
        if item is None:
            errors["scores"] = _("An item is not one of this round's tree.")
            continue
        if line.score is not None:
            message = scoring.check_score(
                line.score, method=item.method, max_score=item.max_score, options=item.options
            )
            if message:
                errors[f"score_{item.pk}"] = message
        if len(line.comment) > 500:
            errors[f"comment_{item.pk}"] = _("At most 500 characters.")
        row = existing.get(item.pk) or Score(sheet=sheet, item=item)
        row.score, row.comment, row.flagged = line.score, line.comment.strip(), line.flagged
        existing[item.pk] = row
    if data.submit:
        for item in items.values():
            row = existing.get(item.pk)
            if row is None or row.score is None:
                errors[f"score_{item.pk}"] = _("Score this item before submitting.")
            elif (row.flagged or _is_low(row.score, item, sheet.round)) and not row.comment:
                errors[f"comment_{item.pk}"] = _("Say why this item is low or flagged.")
    for item_id, _upload, _kind in data.evidence:
        if item_id not in items:
            errors["evidence"] = _("An item is not one of this round's tree.")
    if errors:
        raise ValidationError(errors)
    for row in existing.values():
        row.save()
    for item_id, upload, kind in data.evidence:
        Evidence.objects.create(
            sheet=sheet,
            item_id=item_id,
            file=upload,
            kind=kind,
            size=upload.size,
            name=(upload.name or "")[:120],
            uploaded_by=by,
        )
    sheet.total = sum((r.score for r in existing.values() if r.score is not None), Decimal(0))
    fields = ["total", "updated_at"]
    if data.submit:
        sheet.status, sheet.submitted_at = Sheet.Status.SUBMITTED, timezone.now()
        fields += ["status", "submitted_at"]
    sheet.save(update_fields=fields)
    audit_log(
        action="shegong.sheet.submitted" if data.submit else "shegong.sheet.saved",
        actor=by,
        request=request,
        obj=sheet,
        data={
            "station": sheet.station.name,
            "round": sheet.round.title,
            "total": _num(sheet.total),
            "scored": sum(1 for r in existing.values() if r.score is not None),
            "evidence": len(data.evidence),
        },
    )
    return sheet


def _is_low(score: Decimal, item: Node, rnd: Round) -> bool:
    return item.max_score > 0 and score * 100 < item.max_score * rnd.rectify_below


# ----- publishing, appeals ---------------------------------------------------------------


def _bands(rnd: Round):
    rule_set = rule_set_for(rnd.region_id, rnd.year)
    if rule_set is None:
        raise ValidationError(
            {"__all__": _("No rule set gives this region's grade and star bands.")}
        )
    return rule_set


@transaction.atomic
def round_publish(*, by: User, round: Round, request: HttpRequest | None = None) -> Round:
    """Publish a round's results: each station's result is its lead evaluator's submitted
    sheet (the station's own for a self-assessment), graded and starred by the rule set's
    bands. Items below the round's threshold, and flagged items, become rectification
    tasks (not for a self-assessment); a final round's fail holds the last instalment of
    the station's contracts for the year.

    The caller may rely on: only who may approve the round; once; every station has its
    submitted sheet (the missing named).
    """
    if not can(by, round, "approve"):
        raise PermissionDenied(_("Only county and city officers open evaluation rounds."))
    rnd = locked(Round, round)
    if rnd.status != Round.Status.OPEN:
        raise ValidationError({"__all__": _("The results are published already.")})
    kind = Sheet.Kind.SELF if rnd.kind == Round.Kind.SELF else Sheet.Kind.EVALUATOR
    sheets = Sheet.objects.filter(round=rnd, kind=kind, status=Sheet.Status.SUBMITTED)
    if kind == Sheet.Kind.EVALUATOR:
        sheets = sheets.filter(is_lead=True)
    by_station = {s.station_id: s for s in sheets}
    stations = list(rnd.stations.order_by("region_id", "name"))
    missing = [s.name for s in stations if s.pk not in by_station]
    if missing:
        raise ValidationError(
            {
                "__all__": _("No submitted lead sheet yet for: %(names)s")
                % {"names": "、".join(missing[:20]) + ("…" if len(missing) > 20 else "")}
            }
        )
    rule_set = _bands(rnd)
    now = timezone.now()
    until = timezone.localdate() + datetime.timedelta(days=rnd.appeal_days)
    results = Result.objects.bulk_create(
        Result(
            round=rnd,
            station=st,
            region_id=st.region_id,
            sheet=by_station[st.pk],
            score=by_station[st.pk].total,
            grade=rule_set.grade_for(by_station[st.pk].total),
            stars=rule_set.stars_for(by_station[st.pk].total),
            appeal_until=until,
            published_at=now,
        )
        for st in stations
    )
    tasks = 0
    if rnd.kind != Round.Kind.SELF:
        tasks = _rectifications(rnd, results, by_station)
    held = 0
    if rnd.kind == Round.Kind.FINAL:
        for result in results:
            if result.grade == Grade.FAIL:
                held += _hold(by, result, request)
    confirmed = _confirm_instalments(by, rnd, results, request)
    rnd.status, rnd.published_at, rnd.published_by = Round.Status.PUBLISHED, now, by
    rnd.version += 1
    rnd.save(update_fields=["status", "published_at", "published_by", "version"])
    audit_log(
        action="shegong.round.published",
        actor=by,
        request=request,
        obj=rnd,
        data={
            "stations": len(results),
            "fail": sum(1 for r in results if r.grade == Grade.FAIL),
            "rectifications": tasks,
            "instalments_held": held,
            "instalments_confirmed": confirmed,
        },
    )
    return rnd


def _confirm_instalments(by: User, rnd: Round, results: list[Result], request) -> int:
    """A published mid-term or final round meets the condition of the instalments that wait
    for it (the contracts of the round's stations that year), as the county officer would
    confirm it by hand; a station graded fail does not meet it. Contracts the publisher may
    not manage (a city's round) are left to their county."""
    condition = {
        Round.Kind.MID: Instalment.Condition.MID_EVALUATION,
        Round.Kind.FINAL: Instalment.Condition.FINAL_EVALUATION,
    }.get(rnd.kind)
    if condition is None:
        return 0
    failed = {r.station_id for r in results if r.grade == Grade.FAIL}
    passed = [r.station_id for r in results if r.station_id not in failed]
    confirmed = 0
    for instalment in purchase.instalments_awaiting(
        station_ids=passed, year=rnd.year, condition=condition
    ):
        covers = set(instalment.contract.stations.values_list("pk", flat=True))
        if covers & failed or not can(by, instalment.contract, "change"):
            continue
        if instalment.contract.signed_on > timezone.localdate():
            continue
        purchase.instalment_confirm(
            by=by, instalment=instalment, met_on=timezone.localdate(), request=request
        )
        confirmed += 1
    return confirmed


def _rectifications(rnd: Round, results: list[Result], sheets: dict) -> int:
    deadline = timezone.localdate() + datetime.timedelta(days=rnd.rectify_days)
    scores = Score.objects.filter(sheet__in=list(sheets.values())).select_related("item", "sheet")
    by_sheet: dict[int, list[Score]] = {}
    for row in scores:
        by_sheet.setdefault(row.sheet_id, []).append(row)
    tasks = []
    for result in results:
        for row in by_sheet.get(result.sheet_id, []):
            if row.score is None or not (row.flagged or _is_low(row.score, row.item, rnd)):
                continue
            problem = _("%(item)s: %(score)s of %(max)s") % {
                "item": row.item.title,
                "score": _num(row.score),
                "max": _num(row.item.max_score),
            }
            if row.comment:
                problem = f"{problem}。{row.comment}"
            tasks.append(
                Rectification(
                    result=result,
                    station_id=result.station_id,
                    region_id=result.region_id,
                    item=row.item,
                    problem=problem[:500],
                    owner=Rectification.Owner.STATION,
                    deadline=deadline,
                )
            )
    Rectification.objects.bulk_create(tasks)
    return len(tasks)


def _hold(by: User, result: Result, request) -> int:
    reason = _("%(round)s graded %(station)s fail; held until its rectification closes.") % {
        "round": result.round.title,
        "station": result.station.name,
    }
    held = 0
    for instalment in purchase.held_instalments(
        station_id=result.station_id, year=result.round.year
    ):
        purchase.instalment_hold(by=by, instalment=instalment, reason=reason, request=request)
        held += 1
    return held


def _release_if_rectified(by: User, result: Result, request) -> int:
    """Release the instalments a failed final result held once its tasks are closed."""
    if result.round.kind != Round.Kind.FINAL or result.grade != Grade.FAIL:
        return 0
    if result.rectifications.exclude(status=Rectification.Status.CLOSED).exists():
        return 0
    return _release(by, result, request)


def _release(by: User, result: Result, request) -> int:
    """Release every instalment held for the result's station and year."""
    released = 0
    for instalment in purchase.held_instalments(
        station_id=result.station_id, year=result.round.year
    ):
        if instalment.held_since:
            purchase.instalment_release(by=by, instalment=instalment, request=request)
            released += 1
    return released


@transaction.atomic
def appeal_file(
    *, by: User, result: Result, reasons: str, request: HttpRequest | None = None
) -> Appeal:
    """Appeal a published result with reasons, within the round's days.

    The caller may rely on: only the station's lead or its agency; once per result; not
    after the appeal date; reasons given.
    """
    if not can(by, result, "add"):
        raise PermissionDenied(_("Only the station lead or its agency appeals a result."))
    if Appeal.objects.filter(result=result).exists():
        raise ValidationError({"__all__": _("This result has been appealed already.")})
    if timezone.localdate() > result.appeal_until:
        raise ValidationError(
            {"__all__": _("The days to appeal ended on %(d)s.") % {"d": result.appeal_until}}
        )
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        raise ValidationError({"reasons": _("Give the reasons (at least 10 characters).")})
    if len(reasons) > 2000:
        raise ValidationError({"reasons": _("At most 2000 characters.")})
    appeal = Appeal.objects.create(
        result=result, region_id=result.region_id, reasons=reasons, filed_by=by
    )
    audit_log(
        action="shegong.appeal.filed",
        actor=by,
        request=request,
        obj=appeal,
        data={"station": result.station.name, "round": result.round.title, "reasons": reasons},
    )
    return appeal


@dataclass(frozen=True)
class AnswerInput:
    status: str
    answer: str
    revised_score: Decimal | None = None


@transaction.atomic
def appeal_answer(
    *, by: User, appeal: Appeal, data: AnswerInput, request: HttpRequest | None = None
) -> Appeal:
    """Answer an appeal: the result stands, or the score is revised (and with it the
    grade and stars, by the same bands).

    The caller may rely on: only the county officer of the station; once; an answer
    given; a revised score from 0 to the tree's total and different from the published.
    """
    if not can(by, appeal, "approve"):
        raise PermissionDenied(_("Only the county officer answers appeals."))
    appeal = locked(Appeal, appeal)
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError({"__all__": _("This appeal has been answered already.")})
    errors: dict = {}
    if data.status not in (Appeal.Status.UPHELD, Appeal.Status.REVISED):
        errors["status"] = _("Say whether the result stands or the score is revised.")
    if not (data.answer or "").strip():
        errors["answer"] = _("This field is required.")
    result = appeal.result
    total = result.round.tree.total
    if data.status == Appeal.Status.REVISED:
        if data.revised_score is None:
            errors["revised_score"] = _("Give the revised score.")
        elif not (0 <= data.revised_score <= total):
            errors["revised_score"] = _("A score from 0 to %(max)s.") % {"max": _num(total)}
        elif data.revised_score == result.score:
            errors["revised_score"] = _("This is the published score.")
    if errors:
        raise ValidationError(errors)
    before = {"score": _num(result.score), "grade": result.get_grade_display()}
    appeal.status, appeal.answer = data.status, data.answer.strip()
    appeal.answered_by, appeal.answered_at = by, timezone.now()
    if data.status == Appeal.Status.REVISED:
        rule_set = _bands(result.round)
        appeal.revised_score = data.revised_score
        result.score = data.revised_score
        result.grade = rule_set.grade_for(data.revised_score)
        result.stars = rule_set.stars_for(data.revised_score)
        result.save(update_fields=["score", "grade", "stars"])
    appeal.version += 1
    appeal.save()
    audit_log(
        action="shegong.appeal.answered",
        actor=by,
        request=request,
        obj=appeal,
        data={
            "station": result.station.name,
            "outcome": appeal.get_status_display(),
            "before": before,
            "after": {"score": _num(result.score), "grade": result.get_grade_display()},
        },
    )
    if data.status == Appeal.Status.REVISED and result.round.kind == Round.Kind.FINAL:
        if result.grade == Grade.FAIL:
            _hold(by, result, request)
        else:
            _release(by, result, request)
    return appeal


# ----- rectification ---------------------------------------------------------------------


@dataclass(frozen=True)
class RectificationReport:
    report: str
    evidence: tuple = ()  # (upload, checked kind)


@transaction.atomic
def rectification_submit(
    *,
    by: User,
    data: RectificationReport,
    instance: Rectification,
    request: HttpRequest | None = None,
) -> Rectification:
    """The station (or its agency) says what it did, with evidence, for the county to check.

    The caller may rely on: only the task's owner side; an open task; a report given; at
    least one piece of evidence on the task.
    """
    if not can(by, instance, "change"):
        raise PermissionDenied(_("Only the station or its agency reports a rectification."))
    task = locked(Rectification, instance)
    if task.status != Rectification.Status.OPEN:
        raise ValidationError({"__all__": _("This task is not open.")})
    errors: dict = {}
    if not (data.report or "").strip():
        errors["report"] = _("Say what was done.")
    if not data.evidence and not task.evidence.exists():
        errors["evidence"] = _("Attach a photo or PDF of what was done.")
    if errors:
        raise ValidationError(errors)
    for upload, kind in data.evidence:
        Evidence.objects.create(
            rectification=task,
            file=upload,
            kind=kind,
            size=upload.size,
            name=(upload.name or "")[:120],
            uploaded_by=by,
        )
    task.report, task.status, task.submitted_at = (
        data.report.strip(),
        Rectification.Status.SUBMITTED,
        timezone.now(),
    )
    task.version += 1
    task.save()
    audit_log(
        action="shegong.rectification.submitted",
        actor=by,
        request=request,
        obj=task,
        data={"station": task.station.name, "problem": task.problem, "report": task.report},
    )
    return task


@transaction.atomic
def rectification_check(
    *,
    by: User,
    task: Rectification,
    accept: bool,
    note: str = "",
    request: HttpRequest | None = None,
) -> Rectification:
    """The county checks a reported rectification: closes it, or sends it back with a note.
    When a failed final result's last task closes, the instalments it held are released.

    The caller may rely on: only the county officer of the station; a reported task; a
    note when sending back.
    """
    if not can(by, task, "approve"):
        raise PermissionDenied(_("Only the county officer checks rectifications."))
    task = locked(Rectification, task)
    if task.status != Rectification.Status.SUBMITTED:
        raise ValidationError({"__all__": _("This task has not been reported.")})
    if not accept and not (note or "").strip():
        raise ValidationError({"note": _("Say what is still missing.")})
    task.check_note = (note or "").strip()[:500]
    if accept:
        task.status, task.closed_by, task.closed_on = (
            Rectification.Status.CLOSED,
            by,
            timezone.localdate(),
        )
    else:
        task.status = Rectification.Status.OPEN
    task.version += 1
    task.save()
    audit_log(
        action="shegong.rectification.closed" if accept else "shegong.rectification.returned",
        actor=by,
        request=request,
        obj=task,
        data={"station": task.station.name, "problem": task.problem, "note": task.check_note},
    )
    if accept:
        _release_if_rectified(by, task.result, request)
    return task


# ----- star decisions --------------------------------------------------------------------


@dataclass(frozen=True)
class StarInput:
    station: int | None
    stars: int | None
    result: int | None = None
    basis: str = ""


@transaction.atomic
def star_propose(*, by: User, data: StarInput, request: HttpRequest | None = None) -> StarDecision:
    """The county proposes a station's star level, from a final round's published result.

    The caller may rely on: only the county officer, for a station of the county; 1 to 5
    stars; the result (when given) is the station's, of a published final round, and
    reaches the stars proposed by the rule set's bands; no other proposal of the station
    awaiting approval.
    """
    if not may_add(by, StarDecision):
        raise PermissionDenied(_("Only the county officer proposes star ratings."))
    errors: dict = {}
    stations = Station.objects.restrict(by).exclude(tier=Station.Tier.CITY_CENTRE)
    station = one_of(stations, data.station, "station", errors)
    if data.station is None:
        errors["station"] = _("This field is required.")
    if data.stars is None or not 1 <= data.stars <= 5:
        errors["stars"] = _("From one to five stars.")
    result = None
    if data.result is not None and station is not None:
        result = one_of(
            Result.objects.restrict(by).filter(
                station=station, round__kind=Round.Kind.FINAL, round__status=Round.Status.PUBLISHED
            ),
            data.result,
            "result",
            errors,
        )
        if result and data.stars and (result.stars or 0) < data.stars:
            errors["stars"] = _("The result reaches %(n)s stars at most.") % {
                "n": result.stars or 0
            }
    if not result and not (data.basis or "").strip():
        errors["basis"] = _("Give the final round's result, or the basis of the rating.")
    if (
        station
        and StarDecision.objects.filter(
            station=station,
            status__in=(StarDecision.Status.PROPOSED, StarDecision.Status.CITY_APPROVED),
        ).exists()
    ):
        errors["station"] = _("This station already has a rating awaiting approval.")
    if errors:
        raise ValidationError(errors)
    rule_set = rule_set_for(station.region_id, timezone.localdate().year)
    decision = StarDecision.objects.create(
        station=station,
        region_id=station.region_id,
        stars=data.stars,
        result=result,
        basis=(data.basis or "").strip()[:500],
        needs_province=data.stars == 5 and bool(rule_set and rule_set.five_star_needs_province),
        proposed_by=by,
    )
    audit_log(
        action="shegong.star.proposed",
        actor=by,
        request=request,
        obj=decision,
        data={"station": station.name, "stars": data.stars, "basis": decision.basis},
    )
    return decision


@dataclass(frozen=True)
class StarDecisionInput:
    approve: bool
    valid_from: datetime.date | None = None
    note: str = ""


@transaction.atomic
def star_decide(
    *,
    by: User,
    decision: StarDecision,
    data: StarDecisionInput,
    request: HttpRequest | None = None,
) -> StarDecision:
    """The city approves or rejects a proposed rating; where the rule set makes five
    stars the province's, the city's approval sends it on and the province decides.

    The caller may rely on: the city officer decides a proposal, the province officer one
    the city approved; approving gives the valid-from date (not in the future); the
    decision in force becomes the station's star field; rejecting needs a note.
    """
    if not can(by, decision, "approve"):
        raise PermissionDenied(_("The city approves star ratings (the province five stars)."))
    decision = locked(StarDecision, decision)
    stage = {
        StarDecision.Status.PROPOSED: Role.CITY_OFFICER,
        StarDecision.Status.CITY_APPROVED: Role.PROVINCE_OFFICER,
    }.get(decision.status)
    if stage is None:
        raise ValidationError({"__all__": _("This rating has been decided.")})
    if by.role != stage:
        raise PermissionDenied(
            _("This rating awaits the city.")
            if stage == Role.CITY_OFFICER
            else _("This rating awaits the province.")
        )
    errors: dict = {}
    if not data.approve and not (data.note or "").strip():
        errors["note"] = _("Say why the rating is rejected.")
    final = data.approve and (stage == Role.PROVINCE_OFFICER or not decision.needs_province)
    if final:
        if data.valid_from is None:
            errors["valid_from"] = _("This field is required.")
        elif data.valid_from > timezone.localdate():
            errors["valid_from"] = _("This date is in the future.")
    if errors:
        raise ValidationError(errors)
    decision.note = (data.note or "").strip()[:500]
    if not data.approve:
        decision.status = StarDecision.Status.REJECTED
    elif final:
        decision.status, decision.valid_from = StarDecision.Status.VALID, data.valid_from
    else:
        decision.status = StarDecision.Status.CITY_APPROVED
    if stage == Role.CITY_OFFICER:
        decision.approved_by, decision.approved_at = by, timezone.now()
    else:
        decision.province_by = by
    decision.save()
    if final:
        _supersede(decision)
    audit_log(
        action="shegong.star.approved" if data.approve else "shegong.star.rejected",
        actor=by,
        request=request,
        obj=decision,
        data={
            "station": decision.station.name,
            "stars": decision.stars,
            "status": decision.get_status_display(),
            "valid_from": str(decision.valid_from or ""),
            "note": decision.note,
        },
    )
    return decision


def _supersede(decision: StarDecision) -> None:
    """A new rating in force ends the station's earlier one the day it starts, and the
    station's field follows."""
    StarDecision.objects.filter(
        station=decision.station, status=StarDecision.Status.VALID, ended_on__isnull=True
    ).exclude(pk=decision.pk).filter(valid_from__lte=decision.valid_from).update(
        ended_on=decision.valid_from
    )
    _derive(decision.station_id)


def stars_refresh(*, station_ids: list[int]) -> None:
    """Set each station's star field to the decision in force today: after decisions were
    written in bulk (a data import, the demo), as the decisions' own services do one by one."""
    for station_id in station_ids:
        _derive(station_id)


def _derive(station_id: int) -> None:
    today = timezone.localdate()
    current = (
        StarDecision.objects.filter(StarDecision.valid_on(today), station_id=station_id)
        .order_by("-valid_from", "-pk")
        .first()
    )
    station_stars_derive(
        station_id=station_id,
        stars=current.stars if current else None,
        rated_on=current.valid_from if current else None,
    )


@transaction.atomic
def star_revoke(
    *,
    by: User,
    decision: StarDecision,
    on: datetime.date | None,
    note: str,
    request: HttpRequest | None = None,
) -> StarDecision:
    """Revoke a rating in force from a date (a complaint upheld, a spot check failed).

    The caller may rely on: the city or province officer of the station; a rating in force
    and not ended; the date on or after its start and not in the future; a reason given.
    """
    if not can(by, decision, "change"):
        raise PermissionDenied(_("The city approves star ratings (the province five stars)."))
    decision = locked(StarDecision, decision)
    if decision.status != StarDecision.Status.VALID or decision.ended_on:
        raise ValidationError({"__all__": _("Only a rating in force can be revoked.")})
    errors: dict = {}
    if on is None:
        errors["on"] = _("This field is required.")
    elif on > timezone.localdate():
        errors["on"] = _("This date is in the future.")
    elif on <= decision.valid_from:
        errors["on"] = _("This date is not after the rating began.")
    if not (note or "").strip():
        errors["note"] = _("Say why the rating is revoked.")
    if errors:
        raise ValidationError(errors)
    decision.status, decision.ended_on, decision.ended_by = StarDecision.Status.REVOKED, on, by
    decision.note = note.strip()[:500]
    decision.save()
    _derive(decision.station_id)
    audit_log(
        action="shegong.star.revoked",
        actor=by,
        request=request,
        obj=decision,
        data={
            "station": decision.station.name,
            "stars": decision.stars,
            "on": str(on),
            "note": decision.note,
        },
    )
    return decision


# ----- the county's annual summary -------------------------------------------------------


@transaction.atomic
def summary_submit(
    *, by: User, year: int, text: str, request: HttpRequest | None = None
) -> CountySummary:
    """The county sends its annual evaluation summary to the city.

    The caller may rely on: only the county officer, for their county; once a year; a
    summary given; the year not in the future.
    """
    if not may_add(by, CountySummary) or len(by.scope_code or "") != 6:
        raise PermissionDenied(_("Only the county officer sends the county's summary."))
    errors: dict = {}
    today = timezone.localdate()
    if not (2018 <= year <= today.year):
        errors["year"] = _("A service year up to this one.")
    if not (text or "").strip():
        errors["text"] = _("This field is required.")
    if CountySummary.objects.filter(region_id=by.scope_code, year=year).exists():
        errors["year"] = _("This year's summary has been sent already.")
    if errors:
        raise ValidationError(errors)
    summary = CountySummary.objects.create(
        region_id=by.scope_code, year=year, text=text.strip(), submitted_by=by, submitted_on=today
    )
    audit_log(
        action="shegong.summary.submitted",
        actor=by,
        request=request,
        obj=summary,
        data={"year": year},
    )
    return summary
