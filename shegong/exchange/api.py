"""Exchange over HTTP: a peer deployment pushes its signed packages here, and officers
read which packages were received. The token authenticates the caller; the package's
signature decides what is applied (``services.receive_package``)."""

import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shegong.core.api_forms import Paged

from . import package as fmt
from . import services
from .models import Package

router = Router(tags=["exchange"])


class PackageOut(Schema):
    id: int
    kind: str
    sender: str
    region_code: str
    region_name: str
    period: str
    generated_at: datetime.datetime | None
    received_at: datetime.datetime
    status: str
    reason: str
    counts: dict[str, int]
    sha256: str


class ReceivedOut(Schema):
    outcome: str  # applied, unchanged, older or refused
    package: PackageOut


class Refused(Schema):
    detail: str
    errors: dict


@router.post("/exchange/packages", response={200: ReceivedOut, 403: Refused, 422: ReceivedOut})
def package_receive(request, package: File[UploadedFile]):
    """Receive one package: ``package`` is the package file, uploaded as multipart form data
    (JSON, or a ZIP holding ``package.json``). 200 with ``applied``, ``unchanged`` or ``older``;
    422 with ``refused`` and the reason. Only a system administrator's write token (the
    account made for the sending deployment) may push."""
    if not services.may_receive(user=request.user):
        raise PermissionDenied(_("Only the system administrator receives data packages."))
    if package.size > fmt.MAX_BYTES:
        raise HttpError(413, _("The package is too large."))
    row, outcome = services.receive_package(
        data=package.read(), by=request.user, channel="api", request=request
    )
    return Status(422 if outcome == "refused" else 200, {"outcome": outcome, "package": row})


@router.get("/exchange/packages", response=list[PackageOut])
@paginate(Paged)
def package_list(request, status: str = "", kind: str = ""):
    """Packages received, newest first, within the caller's area: ``status`` (current,
    replaced, older, refused) and ``kind`` (figures, rules) filter them."""
    rows = Package.objects.restrict(request.user).defer("content")
    if status in Package.Status.values:
        rows = rows.filter(status=status)
    if kind in Package.Kind.values:
        rows = rows.filter(kind=kind)
    return rows


ZIP = {
    "responses": {
        200: {
            "description": "The signed package, zipped (package.json inside).",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/exchange/outbox/{kind}/{code}/{year}",
    response={403: Refused, 404: Refused},
    openapi_extra=ZIP,
)
def package_outbox(request, kind: str, code: str, year: int):
    """This deployment's signed package of ``kind`` (figures or rules) for region ``code``
    and ``year``, for a deployment that pulls (``manage.py exchange_pull`` there). Only a
    system administrator's token (the account made for the pulling deployment), and only
    what this deployment publishes (``SHEGONG_EXCHANGE_PUBLISH_REGIONS`` and ``_RULES``):
    404 otherwise."""
    try:
        data = services.outbox_package(
            kind=kind, code=code, year=year, by=request.user, request=request
        )
    except LookupError as exc:
        return Status(404, {"detail": str(exc.args[0]), "errors": {}})
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"{kind}-{code}-{year}.zip")
    return response
