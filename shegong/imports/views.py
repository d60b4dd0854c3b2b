import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from shegong.audit.services import audit_log
from shegong.core.exporters import XLSX_TYPE
from shegong.core.links import row_url
from shegong.core.lists import Filter, list_page, read_filters
from shegong.core.restrict import get_restricted_or_404

from . import services
from .exporters import ImportJobExporter
from .forms import CommitForm, UploadForm
from .models import ImportJob
from .workbooks import people_template, volunteers_template, workers_template


def _first_upload(user) -> str | None:
    """The upload page of the first kind ``user`` may import (it links the others)."""
    kinds = services.import_kinds(user=user)
    return reverse(UPLOADS[kinds[0]]) if kinds else None


UPLOADS = {
    ImportJob.Kind.PEOPLE: "imports:upload",
    ImportJob.Kind.VOLUNTEERS: "imports:volunteers",
    ImportJob.Kind.WORKERS: "imports:workers",
}


@require_GET
def job_list(request):
    filters = [
        Filter("status", gettext_lazy("Status"), "select", list(ImportJob.Status.choices)),
        Filter("since", gettext_lazy("Uploaded from"), "date"),
    ]
    values = read_filters(request, filters)
    jobs = ImportJob.objects.restrict(request.user).select_related("region", "created_by")
    if values.get("status"):
        jobs = jobs.filter(status=values["status"])
    if values.get("since"):
        jobs = jobs.filter(created_at__date__gte=values["since"])
    return list_page(
        request,
        queryset=jobs.defer("error_book", "problems"),
        exporter=ImportJobExporter,
        title=_("Imports"),
        filters=filters,
        values=values,
        detail_url=row_url("imports:detail"),
        create_url=_first_upload(request.user),
    )


TEMPLATES = {
    ImportJob.Kind.PEOPLE: (people_template, "服务对象导入模板.xlsx"),
    ImportJob.Kind.VOLUNTEERS: (volunteers_template, "志愿者导入模板.xlsx"),
    ImportJob.Kind.WORKERS: (workers_template, "社工站人员导入模板.xlsx"),
}


def _may(request, kind: str) -> None:
    if not services.may_import(user=request.user, kind=kind):
        raise PermissionDenied(services.IMPORTERS[kind].refused)


@require_http_methods(["GET", "POST"])
def upload(request, kind: str = ImportJob.Kind.PEOPLE):
    _may(request, kind)
    regions = services.import_regions(user=request.user, kind=kind)
    form = UploadForm(request.POST or None, request.FILES or None, regions=regions, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_upload(
                by=request.user,
                kind=kind,
                region=form.cleaned_data["region"],
                upload=form.cleaned_data["file"],
                on_existing=form.cleaned_data["on_existing"],
                language=get_language() or "zh-hans",
                request=request,
            )
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            return redirect("imports:detail", pk=job.pk)
    kinds = [
        (k, ImportJob.Kind(k).label, reverse(UPLOADS[k]))
        for k in services.import_kinds(user=request.user)
    ]
    return render(
        request,
        "imports/upload.html",
        {"form": form, "kind": kind, "kinds": kinds, "label": ImportJob.Kind(kind).label},
    )


@require_GET
def template(request, kind: str = ImportJob.Kind.PEOPLE):
    _may(request, kind)
    build, name = TEMPLATES[kind]
    response = HttpResponse(build(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_GET
def job_detail(request, pk: int):
    job = get_restricted_or_404(
        ImportJob.objects.select_related("region", "created_by").defer("error_book"),
        request.user,
        pk=pk,
    )
    context = {
        "job": job,
        "mine": job.created_by_id == request.user.pk,
        "commit": CommitForm(),
        "problems": job.problems[:50],
    }
    if request.headers.get("HX-Request"):
        return render(request, "imports/_status.html", context)
    return render(request, "imports/detail.html", context)


@require_POST
def commit(request, pk: int):
    job = get_restricted_or_404(ImportJob.objects.defer("error_book"), request.user, pk=pk)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        services.import_commit(
            by=request.user,
            job=job,
            valid_only=form.cleaned_data.get("valid_only", False),
            language=get_language() or "zh-hans",
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("imports:detail", pk=job.pk)


@require_GET
def error_book(request, pk: int):
    # the invalid rows as typed (names, ID numbers): for whoever uploaded them only
    job = get_restricted_or_404(ImportJob.objects.all(), request.user, "change", pk=pk)
    if not job.error_book:
        raise Http404(_("This import has no invalid rows."))
    audit_log(
        action="shegong.import.errors_downloaded",
        actor=request.user,
        request=request,
        obj=job,
        data={"file": job.file_name, "invalid": str(job.invalid)},
    )
    response = HttpResponse(bytes(job.error_book), content_type=XLSX_TYPE)
    name = job.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-错误.xlsx")
    return response


@require_POST
def passwords(request, pk: int):
    # the new accounts' initial passwords: for whoever uploaded the file, once
    job = get_restricted_or_404(ImportJob.objects.defer("error_book"), request.user, pk=pk)
    try:
        rows = services.import_passwords(by=request.user, job=job, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("imports:detail", pk=job.pk)
    book = Workbook()
    sheet = book.active
    sheet.title = "初始密码"
    sheet.append(["用户名", "姓名", "所属社工站", "初始密码"])
    for row in rows:
        sheet.append(row)
    sheet.append([])
    sheet.append([_("Hand each person their own line; the password is changed at first login.")])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_TYPE)
    name = job.file_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = content_disposition_header(True, f"{name}-初始密码.xlsx")
    response["Cache-Control"] = "no-store"
    return response
