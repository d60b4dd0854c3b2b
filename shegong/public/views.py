"""The public pages: no login, phone-first, small, cached, and no personal data of anyone
served (``public.selectors`` reads only what a station publishes)."""

import segno
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.http import require_GET

from shegong.core.validators import ascii_digits_or_none

from . import selectors


def _public(response):
    """Cacheable by the browser and any proxy for a few minutes, per language cookie."""
    patch_cache_control(response, public=True, max_age=selectors._seconds())
    patch_vary_headers(response, ["Cookie"])
    return response


@login_not_required
@require_GET
def finder(request):
    """Which station, and which worker, serves my village: down the regions, or by name."""
    raw = request.GET.get("region", "")
    code = ascii_digits_or_none(raw) if raw else None
    if raw and code is None:
        raise Http404
    found = selectors.find(code=code)
    if found is None:
        raise Http404
    q = request.GET.get("q", "")[:40]
    return _public(
        render(
            request,
            "public/finder.html",
            {"found": found, "q": q, "results": selectors.search(q=q) if q else None},
        )
    )


@login_not_required
@require_GET
def board(request, pk: int):
    """A station's public board (上墙公开)."""
    found = selectors.board(station_id=pk)
    if found is None:
        raise Http404
    return _public(render(request, "public/board.html", {"board": found}))


@login_not_required
@require_GET
def poster(request, pk: int):
    """An A4 poster for the station's wall: its name, a QR code of its board, its phones."""
    found = selectors.board(station_id=pk)
    if found is None:
        raise Http404
    url = request.build_absolute_uri(reverse("public:board", args=[pk]))
    qr = segno.make(url, error="m")
    return _public(
        render(
            request,
            "public/poster.html",
            {"board": found, "url": url, "qr": qr.svg_data_uri(scale=8, border=2)},
        )
    )
