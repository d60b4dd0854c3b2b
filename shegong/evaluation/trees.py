"""Indicator trees in the layout evaluators use (一级指标 / 二级指标 / 评分标准 / 分值 /
佐证材料), one item a line, read from and written to Excel.

Further columns, all optional: 评分项 (the item's short title; else the standard's first
clause), 评分方式 (组合分, 程度分, 扣分, 是否), 评分细则 (the parts: ``label:score`` joined
by ；), 自动来源 (an indicator's code or name), 分档 (bands: ``≥60:5；≥30:3``). A 一级 or
二级 cell may give its maximum as "项目管理（15分）"; without it the maximum is its items'
sum. Cells merged down a column (or left empty) repeat the one above.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from shegong.core.exporters import Sheet
from shegong.indicators.definitions import SPECS

from .scoring import ZERO, _num, method_errors

COLUMNS = [
    ("dimension", "一级指标"),
    ("sub", "二级指标"),
    ("title", "评分项"),
    ("standard", "评分标准"),
    ("max_score", "分值"),
    ("evidence", "佐证材料"),
    ("method", "评分方式"),
    ("options", "评分细则"),
    ("metric", "自动来源"),
    ("bands", "分档"),
]
REQUIRED = ["一级指标", "二级指标", "评分标准", "分值", "佐证材料"]
METHODS = {"组合分": "combined", "程度分": "graded", "扣分": "deduction", "是否": "yes_no"}
METHOD_WORDS = {v: k for k, v in METHODS.items()}
# indicators an item may take its figure from: the catalogue's, by code or by name
METRICS = {code: spec for code, spec in SPECS.items()}
_MAX = re.compile(r"^(.*?)\s*[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[）)]\s*$")
_PART = re.compile(r"^(.*?)\s*[:：]\s*(-?\d+(?:\.\d+)?)\s*分?$")
_BAND = re.compile(r"^[≥>=]*\s*(-?\d+(?:\.\d+)?)\s*%?\s*[:：]\s*(\d+(?:\.\d+)?)\s*分?$")


@dataclass(frozen=True)
class NodeLine:
    """One node as read: its number (``1``, ``1.2``, ``1.2.3``), its parent's, and what
    the node says. Dimensions and sub-dimensions carry only a title and a maximum."""

    code: str
    parent_code: str | None
    level: int
    title: str
    max_score: Decimal
    standard: str = ""
    evidence: str = ""
    method: str = ""
    options: tuple = field(default_factory=tuple)
    metric: str = ""
    bands: tuple = field(default_factory=tuple)


def metric_code(text: str) -> str | None:
    """An indicator's code from its code or its (Chinese or English) name; None if unknown."""
    text = text.strip()
    if text in METRICS:
        return text
    for code, spec in METRICS.items():
        if text in (str(spec.label), str(spec.label).split("（")[0]):
            return code
    return None


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _parts(text: str, line: int, problems: list) -> tuple:
    parts = []
    for chunk in filter(None, (c.strip() for c in re.split(r"[；;\n]", text))):
        match = _PART.match(chunk)
        if not match:
            problems.append(
                _("Line %(line)s: “%(text)s” is not “label:score”.") % {"line": line, "text": chunk}
            )
            continue
        parts.append({"label": match[1], "score": float(Decimal(match[2]))})
    return tuple(parts)


def _bands(text: str, line: int, problems: list) -> tuple:
    bands = []
    for chunk in filter(None, (c.strip() for c in re.split(r"[；;\n]", text))):
        match = _BAND.match(chunk)
        if not match:
            problems.append(
                _("Line %(line)s: the band “%(text)s” is not “≥figure:score”.")
                % {"line": line, "text": chunk}
            )
            continue
        bands.append({"min": float(Decimal(match[1])), "score": float(Decimal(match[2]))})
    return tuple(sorted(bands, key=lambda b: b["min"], reverse=True))


def _title_and_max(text: str) -> tuple[str, Decimal | None]:
    match = _MAX.match(text)
    if match:
        return match[1].strip(), Decimal(match[2])
    return text.strip(), None


def parse(lines) -> tuple[list[NodeLine], list[str]]:
    """Nodes from the sheet's lines ((number, {key: value})), and the problems by line."""
    problems: list[str] = []
    dims: list[dict] = []  # {"title", "max", "subs": [{"title", "max", "items": []}]}
    last_dim = last_sub = ""
    for number, cells in lines:
        text = {k: ("" if v is None else str(v).strip()) for k, v in cells.items()}
        dim_text = text.get("dimension") or last_dim
        sub_text = text.get("sub") or (last_sub if dim_text == last_dim else "")
        if not dim_text:
            problems.append(_("Line %(line)s: no 一级指标.") % {"line": number})
            continue
        if not sub_text:
            sub_text = dim_text  # a dimension without sub-dimensions: one of the same name
        last_dim, last_sub = dim_text, sub_text
        dim_title, dim_max = _title_and_max(dim_text)
        sub_title, sub_max = _title_and_max(sub_text)
        if not dims or dims[-1]["title"] != dim_title:
            dims.append({"title": dim_title, "max": dim_max, "subs": []})
        dim = dims[-1]
        if dim_max is not None:
            dim["max"] = dim_max
        if not dim["subs"] or dim["subs"][-1]["title"] != sub_title:
            dim["subs"].append({"title": sub_title, "max": sub_max, "items": []})
        sub = dim["subs"][-1]
        if sub_max is not None:
            sub["max"] = sub_max
        standard = text.get("standard", "")
        score = _decimal(text.get("max_score", ""))
        if not standard:
            problems.append(_("Line %(line)s: no 评分标准.") % {"line": number})
        if score is None or score <= 0 or score > 100:
            problems.append(
                _("Line %(line)s: the 分值 “%(text)s” is not a score above 0.")
                % {"line": number, "text": text.get("max_score", "")}
            )
            continue
        method_word = text.get("method", "")
        method = METHODS.get(method_word, method_word if method_word in METHOD_WORDS else "")
        if method_word and not method:
            problems.append(
                _("Line %(line)s: the 评分方式 “%(text)s” is none of %(known)s.")
                % {"line": number, "text": method_word, "known": "、".join(METHODS)}
            )
        options = _parts(text.get("options", ""), number, problems)
        if method:
            for message in method_errors(method=method, max_score=score, options=list(options)):
                problems.append(_("Line %(line)s: %(m)s") % {"line": number, "m": message})
        metric = ""
        if text.get("metric"):
            metric = metric_code(text["metric"]) or ""
            if not metric:
                problems.append(
                    _("Line %(line)s: no indicator is called “%(text)s”.")
                    % {"line": number, "text": text["metric"]}
                )
        bands = _bands(text.get("bands", ""), number, problems)
        if bands and not metric:
            problems.append(_("Line %(line)s: bands need an 自动来源.") % {"line": number})
        if any(Decimal(str(b["score"])) > score for b in bands):
            problems.append(
                _("Line %(line)s: a band scores more than the item's 分值.") % {"line": number}
            )
        title = text.get("title") or re.split(r"[：:；;，,。]", standard)[0][:60] or standard[:60]
        sub["items"].append(
            {
                "title": title,
                "standard": standard,
                "max": score,
                "evidence": text.get("evidence", ""),
                "method": method,
                "options": options,
                "metric": metric,
                "bands": bands,
            }
        )
    nodes: list[NodeLine] = []
    for d, dim in enumerate(dims, 1):
        dim_sum = ZERO
        sub_nodes = []
        for s, sub in enumerate(dim["subs"], 1):
            sub_sum = sum((i["max"] for i in sub["items"]), ZERO)
            sub_max = sub["max"] if sub["max"] is not None else sub_sum
            dim_sum += sub_max
            code = f"{d}.{s}"
            sub_nodes.append(NodeLine(code, str(d), 2, sub["title"], sub_max))
            for n, item in enumerate(sub["items"], 1):
                sub_nodes.append(
                    NodeLine(
                        f"{code}.{n}",
                        code,
                        3,
                        item["title"],
                        item["max"],
                        item["standard"],
                        item["evidence"],
                        item["method"],
                        item["options"],
                        item["metric"],
                        item["bands"],
                    )
                )
        nodes.append(NodeLine(str(d), None, 1, dim["title"], dim["max"] or dim_sum))
        nodes += sub_nodes
    return nodes, problems


def _parts_text(parts) -> str:
    return "；".join(f"{p['label']}:{_num(p['score'])}" for p in parts or [])


def _bands_text(bands) -> str:
    return "；".join(f"≥{_num(b['min'])}:{_num(b['score'])}" for b in bands or [])


def sheet(tree, nodes) -> Sheet:
    """The tree as the sheet it can be read back from."""
    by_code = {n.code: n for n in nodes}
    rows, seen = [], set()
    for node in nodes:
        if node.level != 3:
            continue
        sub = by_code[node.code.rsplit(".", 1)[0]]
        dim = by_code[sub.code.split(".")[0]]
        dim_cell = f"{dim.title}（{_num(dim.max_score)}分）" if dim.code not in seen else ""
        sub_cell = f"{sub.title}（{_num(sub.max_score)}分）" if sub.code not in seen else ""
        seen |= {dim.code, sub.code}
        rows.append(
            [
                dim_cell,
                sub_cell,
                node.title,
                node.standard,
                node.max_score,
                node.evidence,
                METHOD_WORDS.get(node.method, ""),
                _parts_text(node.options),
                node.metric,
                _bands_text(node.bands),
            ]
        )
    return Sheet(
        title=str(tree.title)[:31],
        lines=[
            str(tree.title),
            _("%(code)s · %(year)s · total %(total)s · %(status)s")
            % {
                "code": tree.region_code,
                "year": tree.year,
                "total": _num(tree.total),
                "status": tree.get_status_display(),
            },
        ],
        headers=[label for _key, label in COLUMNS],
        widths=[16, 18, 18, 50, 8, 30, 10, 30, 22, 20],
        rows=rows,
        landscape=True,
    )
