"""Writes to the region tree."""

import csv
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from shegong.core.divisions import LEVEL_LENGTHS
from shegong.core.validators import is_ascii_digits

from .models import Region

# file stem -> (level, parent column); villages may be split across several files.
FILE_SPECS = [
    ("provinces", 1, None),
    ("cities", 2, "provinceCode"),
    ("areas", 3, "cityCode"),
    ("streets", 4, "areaCode"),
    ("villages", 5, "streetCode"),
]
MAX_REPORTED_ERRORS = 50


class DivisionImportError(Exception):
    """The files were rejected; nothing was written. ``errors`` lists each problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class ImportResult:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    by_level: dict[int, int] = field(default_factory=dict)


@dataclass
class _Row:
    code: str
    name: str
    level: int
    parent: str | None
    where: str  # "file.csv line 12"


def _files_for(directory: Path, stem: str) -> list[Path]:
    found = sorted(directory.glob(f"{stem}*.csv")) + sorted(directory.glob(f"{stem}*.csv.gz"))
    return found


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115


def _wanted(code: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(code.startswith(p) or p.startswith(code) for p in only)


def _read(directory: Path, only: list[str] | None) -> tuple[list[_Row], list[str]]:
    rows: list[_Row] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    if not directory.is_dir():
        return rows, [f"目录不存在 (directory not found): {directory}"]
    any_file = False
    for stem, level, parent_col in FILE_SPECS:
        length = LEVEL_LENGTHS[level]
        for path in _files_for(directory, stem):
            any_file = True
            with _open_text(path) as fh:
                reader = csv.DictReader(fh)
                needed = {"code", "name"} | ({parent_col} if parent_col else set())
                missing = needed - set(reader.fieldnames or [])
                if missing:
                    errors.append(
                        f"{path.name}: 缺少列 (missing columns): {', '.join(sorted(missing))}"
                    )
                    continue
                for lineno, rec in enumerate(reader, start=2):
                    where = f"{path.name} 第 {lineno} 行 (line {lineno})"
                    code = (rec.get("code") or "").strip()
                    name = (rec.get("name") or "").strip()
                    parent = (rec.get(parent_col) or "").strip() if parent_col else None
                    if not is_ascii_digits(code) or len(code) != length:
                        errors.append(
                            f"{where}: 代码应为 {length} 位数字 "
                            f"(code must be {length} digits): {code!r}"
                        )
                        continue
                    if not _wanted(code, only):
                        continue
                    if not name:
                        errors.append(f"{where}: 名称为空 (empty name): {code}")
                        continue
                    if len(name) > 64:
                        errors.append(f"{where}: 名称过长 (name longer than 64): {code}")
                        continue
                    if parent_col and (
                        len(parent) != LEVEL_LENGTHS[level - 1] or not code.startswith(parent)
                    ):
                        errors.append(
                            f"{where}: 上级代码 {parent!r} 与代码 {code} 不符 "
                            f"(parent code does not match the code)"
                        )
                        continue
                    if code in seen:
                        errors.append(
                            f"{where}: 代码重复 (duplicate code) {code}, 首次出现于 "
                            f"(first seen at) {seen[code]}"
                        )
                        continue
                    seen[code] = where
                    rows.append(_Row(code, name, level, parent, where))
    if not any_file:
        errors.append(f"目录中没有区划文件 (no division files in) {directory}")
    return rows, errors


@transaction.atomic
def divisions_import(*, directory: Path, only: list[str] | None = None) -> ImportResult:
    """Load division CSVs (the ``china-division`` layout) into the region tree.

    All-or-nothing: every row is checked (code length, parent present and matching,
    no duplicates) before anything is written; on any problem ``DivisionImportError``
    lists them with file and line, and the database is left as it was.
    Idempotent: rows equal to what is stored are not written again; nothing is deleted.
    ``only`` keeps the given codes, their ancestors and everything below them.
    """
    rows, errors = _read(Path(directory), only)
    existing = {
        code: (name, level, parent)
        for code, name, level, parent in Region.objects.values_list(
            "code", "name", "level", "parent_id"
        )
    }
    incoming = {r.code for r in rows}
    for r in rows:
        if r.parent and r.parent not in incoming and r.parent not in existing:
            errors.append(
                f"{r.where}: 上级 {r.parent} 不存在 (parent {r.parent} not found) for {r.code}"
            )
    if errors:
        extra = len(errors) - MAX_REPORTED_ERRORS
        shown = errors[:MAX_REPORTED_ERRORS]
        if extra > 0:
            shown.append(f"… 另有 {extra} 处错误 (and {extra} more errors)")
        raise DivisionImportError(shown)

    result = ImportResult(read=len(rows))
    to_create: list[Region] = []
    to_update: list[Region] = []
    for r in rows:  # files are read province-first, so parents precede children
        result.by_level[r.level] = result.by_level.get(r.level, 0) + 1
        stored = existing.get(r.code)
        if stored is None:
            to_create.append(Region(code=r.code, name=r.name, level=r.level, parent_id=r.parent))
        elif stored != (r.name, r.level, r.parent):
            to_update.append(Region(code=r.code, name=r.name, level=r.level, parent_id=r.parent))
        else:
            result.unchanged += 1
    Region.objects.bulk_create(to_create, batch_size=5000)
    Region.objects.bulk_update(to_update, ["name", "level", "parent"], batch_size=2000)
    result.created = len(to_create)
    result.updated = len(to_update)
    return result
