"""Imports: upload (a job, its file kept, its dry run queued), the run itself (a dry run
or the commit, batch by batch, through the record kind's own rules), the commit asked
for, and old files deleted.

A run reads the file as a stream (``core.tables``) in batches of ``BATCH`` rows; each
batch is checked by the kind's importer (``people.bulk.PeopleImport``). The dry run keeps
what it found with the job (``ImportJob.staged``: each valid row's outcome, its values
prepared as stored); the commit writes those, asking the database only whether what they
rest on still holds (``write_staged``). If anything changed since the check, or nothing
was kept, the commit checks every row of the file again and writes what it finds. A
commit is one transaction: a row found invalid (unless the importer chose "only the valid
rows") rolls all of it back, and the job says why.
"""

import gzip
import hashlib
import io
import itertools
import json
import os
import tempfile
from collections import Counter
from contextlib import nullcontext
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import File
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from shegong.accounts.policy import person_restrict_q
from shegong.audit.services import audit_log
from shegong.community.bulk import VolunteerImport
from shegong.core.bulk import StaleStage
from shegong.core.rows import ACTIONS, Action
from shegong.core.tables import Table, TableError
from shegong.people.bulk import PeopleImport
from shegong.regions.models import Region
from shegong.workforce.bulk import WorkerImport

from .models import MAX_PROBLEMS, ImportJob

BATCH = 1000
STAGED_BATCH = 5000  # a commit of what the check kept: fewer, larger statements
# each kind's importer: its columns and headers, who may use it (``may``, and ``refused``
# to say so), and check / write / stage / write_staged (``people.bulk`` writes in bulk,
# ``community.bulk`` through the service row by row)
IMPORTERS = {
    ImportJob.Kind.PEOPLE: PeopleImport,
    ImportJob.Kind.VOLUNTEERS: VolunteerImport,
    ImportJob.Kind.WORKERS: WorkerImport,
}
BAD = PatternFill("solid", fgColor="FFC7CE")


class Refused(Exception):
    """A commit met an invalid row: everything is rolled back."""


def may_import(*, user: AbstractBaseUser, kind: str = ImportJob.Kind.PEOPLE) -> bool:
    """Whether ``user`` may import records of ``kind`` anywhere: people (station staff,
    county officers), volunteers (station staff)."""
    return kind in IMPORTERS and IMPORTERS[kind].may(user)


def import_kinds(*, user: AbstractBaseUser) -> list[str]:
    """The kinds ``user`` may import, in the order the pages offer them."""
    return [kind for kind in IMPORTERS if IMPORTERS[kind].may(user)]


def import_regions(
    *, user: AbstractBaseUser, kind: str = ImportJob.Kind.PEOPLE
) -> QuerySet[Region]:
    """The regions ``user`` may import into: their scope and the townships in it (staff
    accounts: the kind's own, ``WorkerImport.regions``)."""
    own = getattr(IMPORTERS.get(kind), "regions", None)
    if own is not None:
        return own(user)
    q = person_restrict_q(user, "import", "code")
    if q is None:
        return Region.objects.none()
    return Region.objects.filter(q, level__lte=4).order_by("code")


def max_bytes() -> int:
    """The largest file accepted, in bytes (``SHEGONG_IMPORT_MAX_BYTES``, 50 MB unless set)."""
    return getattr(settings, "SHEGONG_IMPORT_MAX_BYTES", 50 * 1024 * 1024)


@transaction.atomic
def import_upload(
    *,
    by: AbstractBaseUser,
    kind: str,
    region: str,
    upload: File,
    on_existing: str = ImportJob.Existing.UPDATE,
    valid_only: bool = False,
    language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> ImportJob:
    """Keep ``upload`` as a new import job of ``kind`` into ``region`` and queue its dry
    run. The caller may rely on: only who may import, into a region in their scope; a
    file neither empty nor larger than ``SHEGONG_IMPORT_MAX_BYTES``; its SHA-256 kept;
    the upload audited."""
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Not a kind of import.")})
    if not may_import(user=by, kind=kind):
        raise PermissionDenied(IMPORTERS[kind].refused)
    errors = {}
    place = import_regions(user=by, kind=kind).filter(code=str(region)).first()
    if place is None:
        errors["region"] = _("No region with code %(code)s within your scope.") % {
            "code": str(region)[:12]
        }
    if upload.size == 0:
        errors["file"] = _("The file is empty.")
    elif upload.size > max_bytes():
        errors["file"] = _("The file is larger than %(mb)s MB.") % {"mb": max_bytes() // 2**20}
    if on_existing not in ImportJob.Existing.values:
        errors["on_existing"] = _("Choose what to do with a person already registered.")
    if errors:
        raise ValidationError(errors)
    job = _new_job(by, kind, place, upload, on_existing, valid_only)
    audit_log(
        action="shegong.import.uploaded",
        actor=by,
        request=request,
        obj=job,
        data={"file": job.file_name, "sha256": job.file_sha256, "region": place.code},
    )
    from .tasks import run_import

    run_import.enqueue(job.pk, False, language)
    return job


def _new_job(by, kind, place, upload, on_existing, valid_only) -> ImportJob:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        kind=kind,
        region=place,
        created_by=by,
        file_name=os.path.basename(str(getattr(upload, "name", "") or "upload"))[-200:],
        file_sha256=digest.hexdigest(),
        file_size=upload.size,
        on_existing=on_existing,
        valid_only=bool(valid_only),
    )
    job.file.save("upload", upload, save=False)
    job.save()
    return job


def import_file(
    *,
    path: str,
    region: Region,
    kind: str = ImportJob.Kind.PEOPLE,
    on_existing: str = ImportJob.Existing.UPDATE,
    valid_only: bool = False,
    dry_run: bool = False,
    by: AbstractBaseUser | None = None,
) -> ImportJob:
    """An operator's import from the server's disk (``manage.py import_people``): the same
    job, checks and report as an upload, run here and now, into ``region`` (the operator's
    scope); committed after its check unless ``dry_run``, or when rows are invalid and not
    ``valid_only``. ``by``: whose import it is, when not the operator's (the demo's)."""
    with open(path, "rb") as f:
        job = _new_job(by, kind, region, File(f, name=path), on_existing, valid_only)
    audit_log(
        action="shegong.import.uploaded",
        actor=by,
        obj=job,
        data={"file": job.file_name, "sha256": job.file_sha256, "region": region.code},
        actor_name="" if by else "manage.py import_people",
    )
    run(job=job, commit=False)
    if dry_run or job.status != ImportJob.Status.CHECKED or (job.invalid and not valid_only):
        return job
    job.status = ImportJob.Status.COMMITTING
    job.save(update_fields=["status"])
    return run(job=job, commit=True)


@transaction.atomic
def import_commit(
    *,
    by: AbstractBaseUser,
    job: ImportJob,
    valid_only: bool | None = None,
    language: str = "zh-hans",
    request: HttpRequest | None = None,
) -> ImportJob:
    """Queue the commit of a checked job. The caller may rely on: only its importer; only
    a job checked and not yet committed, whose file is still kept; with invalid rows only
    when ``valid_only`` (the importer's choice, kept with the job)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("Only whoever uploaded the file commits it."))
    if job.status != ImportJob.Status.CHECKED or not job.file:
        raise ValidationError(_("Only a checked import that has not been committed is committed."))
    if valid_only is not None:
        job.valid_only = bool(valid_only)
    if job.invalid and not job.valid_only:
        raise ValidationError(
            _(
                "The file has %(n)s invalid rows: correct them and upload it again, or import "
                "only the valid rows."
            )
            % {"n": job.invalid}
        )
    job.status, job.progress = ImportJob.Status.COMMITTING, 0
    job.save(update_fields=["status", "progress", "valid_only"])
    from .tasks import run_import

    run_import.enqueue(job.pk, True, language)
    return job


@transaction.atomic
def import_passwords(
    *, by: AbstractBaseUser, job: ImportJob, request: HttpRequest | None = None
) -> list[list[str]]:
    """The new accounts of a staff import with their initial passwords (username, name,
    station, password), once. The caller may rely on: only whoever uploaded the file;
    the passwords deleted as they are handed over (to be changed at first login); the
    download audited (how many, never which)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("Only whoever uploaded the file takes the initial passwords."))
    if not job.passwords:
        raise ValidationError(
            _("The initial passwords were downloaded already, or the import made no account.")
        )
    rows = [line.split("\t") for line in job.passwords.splitlines()]
    job.passwords = ""
    job.save(update_fields=["passwords"])
    audit_log(
        action="shegong.import.passwords_downloaded",
        actor=by,
        request=request,
        obj=job,
        data={"file": job.file_name, "accounts": str(len(rows))},
    )
    return rows


def run(*, job: ImportJob, commit: bool) -> ImportJob:
    """Check (``commit`` False: the dry run) or import the job's file, batch by batch; the
    job records the counts, the first problems and, for a dry run, the error workbook and
    what it found (``staged``), which the commit writes unless something changed since."""
    if commit and job.staged:
        try:
            return _commit_staged(job, _importer(job))
        except StaleStage:
            pass  # the world moved since the check: check every row again, below
    importer = _importer(job)
    counts: Counter = Counter({a: 0 for a in ACTIONS})
    problems: list[list] = []
    book = None  # the error workbook, begun at the first invalid row of a dry run
    stage = None if commit else Stage()
    try:
        with Table(job.file.path, importer.columns) as table:
            with transaction.atomic() if commit else nullcontext():
                for batch in _batches(table.rows()):
                    outcomes = importer.check(batch)
                    values = dict(batch)
                    for o in outcomes:
                        counts[o.action] += 1
                        if o.action == Action.INVALID:
                            if len(problems) < MAX_PROBLEMS:
                                problems += [
                                    [
                                        o.line,
                                        table.headers.get(k) or importer_header(job=job, key=k),
                                        m,
                                    ]
                                    for k, m in o.errors.items()
                                ]
                            if not commit:
                                if book is None:
                                    book = ErrorBook(table.headers, table.positions)
                                book.add(o.line, values[o.line], o.errors)
                    if commit:
                        if counts[Action.INVALID] and not job.valid_only:
                            raise Refused
                        importer.write(outcomes)
                    else:
                        for o in outcomes:
                            stage.add(importer.stage(o))
                        _progress(job, int(99 * table.done))
                if commit:
                    _committed(job, counts, importer)
                    _unstage(job)
    except TableError as exc:
        return _ended(job, ImportJob.Status.FAILED, message=str(exc))
    except Refused:
        audit_log(
            action="shegong.import.refused",
            actor=job.created_by,
            actor_name="" if job.created_by else "manage.py import_people",
            obj=job,
            data={"file": job.file_name, "invalid": counts[Action.INVALID]},
        )
        return _ended(
            job,
            ImportJob.Status.REFUSED,
            message=_("Rows became invalid since the check; nothing was imported."),
            problems=problems,
        )
    if commit:
        return job
    job.checked, job.problems = dict(counts), problems[:MAX_PROBLEMS]
    job.status, job.progress, job.checked_at = ImportJob.Status.CHECKED, 100, timezone.now()
    job.error_book = book.content() if book is not None else None
    stage.keep(job)
    job.save(
        update_fields=[
            "checked",
            "problems",
            "status",
            "progress",
            "checked_at",
            "error_book",
            "staged",
        ]
    )
    return job


class Stage:
    """What a dry run found, a record per valid row (the importer's ``stage``), written as
    it comes to a temporary file (gzipped JSON lines) and kept with the job at the end."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.out = gzip.GzipFile(fileobj=self.file, mode="wb", compresslevel=1)

    def add(self, record: dict | None) -> None:
        if record is not None:
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
            self.out.write(line.encode() + b"\n")

    def keep(self, job: ImportJob) -> None:
        self.out.close()
        self.file.seek(0)
        if job.staged:
            job.staged.delete(save=False)
        job.staged.save("staged", File(self.file), save=False)
        self.file.close()


def _staged(job: ImportJob):
    with job.staged.open("rb") as f, gzip.open(f) as lines:
        for line in lines:
            yield json.loads(line)


def _commit_staged(job: ImportJob, importer) -> ImportJob:
    """Write what the dry run found, in one transaction; ``StaleStage`` (raised by the
    importer, everything rolled back) if what a row rests on changed since."""
    with transaction.atomic():
        for batch in _batches(_staged(job), STAGED_BATCH):
            importer.write_staged(batch)
        _committed(job, Counter(job.checked), importer)
    _unstage(job)
    return job


def _unstage(job: ImportJob) -> None:
    if job.staged:
        job.staged.delete(save=False)
        job.save(update_fields=["staged"])


def _importer(job: ImportJob):
    return IMPORTERS[job.kind](by=job.created_by, region=job.region, on_existing=job.on_existing)


def importer_header(*, job: ImportJob, key: str) -> str:
    """The template's header for column ``key`` of the job's kind (for messages)."""
    return IMPORTERS[job.kind].headers.get(key, key)


def _batches(rows, size: int = BATCH):
    while batch := list(itertools.islice(rows, size)):
        yield batch


def _progress(job: ImportJob, percent: int) -> None:
    if percent != job.progress:
        job.progress = percent
        ImportJob.objects.filter(pk=job.pk).update(progress=percent)


def _committed(job: ImportJob, counts: Counter, importer) -> None:
    job.committed, job.status, job.progress = dict(counts), ImportJob.Status.DONE, 100
    job.committed_at = timezone.now()
    # what the importer hands over with the commit (a staff import's initial passwords)
    job.passwords = importer.keep() if hasattr(importer, "keep") else ""
    job.save(update_fields=["committed", "status", "progress", "committed_at", "passwords"])
    audit_log(
        action="shegong.import.committed",
        actor=job.created_by,
        obj=job,
        data={
            "file": job.file_name,
            "sha256": job.file_sha256,
            "region": job.region_id,
            **{k: str(v) for k, v in counts.items()},
        },
        actor_name="" if job.created_by else "manage.py import_people",
    )


def _ended(job: ImportJob, status: str, *, message: str, problems=None) -> ImportJob:
    job.status, job.message, job.progress = status, message[:2000], 100
    job.problems = (problems or [])[:MAX_PROBLEMS]
    job.save(update_fields=["status", "message", "progress", "problems"])
    return job


class ErrorBook:
    """The invalid rows again, with their line and what is wrong, each bad cell filled
    red: the importer corrects this workbook and uploads it."""

    def __init__(self, headers: dict[str, str], positions: dict[str, int]):
        self.headers = headers
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(_("Invalid rows"))
        self.keys = sorted(positions, key=positions.get)
        bold = Font(bold=True)
        row = []
        for text in (_("Line"), *(self.headers[k] for k in self.keys), _("What is wrong")):
            cell = WriteOnlyCell(self.sheet, value=text)
            cell.font = bold
            row.append(cell)
        self.sheet.append(row)

    def add(self, line: int, values: dict[str, str], errors: dict[str, str]) -> None:
        row = [WriteOnlyCell(self.sheet, value=line)]
        for key in self.keys:
            cell = WriteOnlyCell(self.sheet, value=values.get(key, ""))
            if key in errors:
                cell.fill = BAD
            row.append(cell)
        said = "；".join(f"{self.headers.get(k, k)}：{m}" for k, m in errors.items())
        row.append(WriteOnlyCell(self.sheet, value=said))
        self.sheet.append(row)

    def content(self) -> bytes:
        out = io.BytesIO()
        self.book.save(out)
        return out.getvalue()


def imports_purge(*, now: datetime | None = None) -> int:
    """Delete the uploaded files of jobs older than ``SHEGONG_IMPORT_KEEP_DAYS`` (the
    reports stay); returns how many."""
    now = now or timezone.now()
    days = getattr(settings, "SHEGONG_IMPORT_KEEP_DAYS", 30)
    old = ImportJob.objects.filter(
        created_at__lt=now - timezone.timedelta(days=days), file_deleted_at__isnull=True
    ).exclude(status__in=(ImportJob.Status.CHECKING, ImportJob.Status.COMMITTING))
    n = 0
    for job in old.iterator():
        if job.file:
            job.file.delete(save=False)
        if job.staged:
            job.staged.delete(save=False)
        job.file_deleted_at = now
        job.save(update_fields=["file", "staged", "file_deleted_at"])
        n += 1
    if n:
        audit_log(
            action="shegong.import.files_purged",
            data={"files": str(n), "days": str(days)},
            actor_name="purge_imports",
        )
    return n
