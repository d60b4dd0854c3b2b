"""Every error in Chinese (English on request), in the site's layout for pages and as JSON
for the API: 400, 403, 404, 500 and a failed CSRF check. Wired in ``shegong/urls.py``
(``handler403`` …) and ``settings.CSRF_FAILURE_VIEW``."""

import errno
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from .api_forms import json_error


def _api(request) -> bool:
    return request.path_info.startswith("/api/")


def _page(request, status: int, title: str, message: str):
    if _api(request):
        return json_error(f"{title}：{message}", status)
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "message": message},
        status=status,
    )


def _said(exception) -> str:
    """The reason a view gave (PermissionDenied("…")), if it gave one in words."""
    text = str(exception or "")
    return "" if not text or text.startswith(("<", "{")) else text


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400, _("Bad request"), _("The request could not be understood."))


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request,
        403,
        _("Not allowed"),
        _said(exception) or _("Your role or area does not allow this."),
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request,
        404,
        _("Not found"),
        _("This page does not exist, or it is outside your area."),
    )


@requires_csrf_token
def server_error(request):
    """A page that renders without a database or the user (the error may be theirs). When
    the database did not answer (restarting, failing over, out of connections), 503 with
    Retry-After: the request changed nothing (its transaction died with the connection),
    and the next one reconnects by itself (``CONN_HEALTH_CHECKS``)."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        if _api(request):
            response = json_error(
                _("The database is not answering for a moment; nothing was saved. Try again."),
                503,
            )
        else:
            response = HttpResponse(loader.get_template("503.html").render({}), status=503)
        response["Retry-After"] = "30"
        return response
    error = sys.exc_info()[1]
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        # the disk is full: what was being saved was rolled back with its transaction
        said = _(
            "The server's disk is full: what you sent was not saved. Tell the system "
            "administrator, and send it again later."
        )
        if _api(request):
            return json_error(said, 507)
        return HttpResponse(loader.get_template("507.html").render({}), status=507)
    if _api(request):
        return json_error(_("Server error: the problem was logged; please try again later."), 500)
    return HttpResponseServerError(loader.get_template("500.html").render({}))


def csrf_failure(request, reason=""):
    return _page(
        request,
        403,
        _("Form expired"),
        _(
            "This form was open too long or in another window, so it could not be checked. "
            "Go back, reload the page and submit again; nothing was saved."
        ),
    )
