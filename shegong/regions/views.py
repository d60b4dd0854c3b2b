from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from shegong.core.validators import parse_small_int

from . import selectors
from .models import Level, Region


@require_GET
def browse(request):
    """Start at the user's own region; nationwide administrators start at the provinces."""
    user = request.user
    if user.scope_code:
        return redirect("regions:detail", code=user.scope_code)
    provinces = Region.objects.restrict(user).filter(level=Level.PROVINCE)
    if not provinces.exists() and not Region.objects.restrict(user).exists():
        raise Http404
    return render(request, "regions/browse.html", {"provinces": provinces})


@require_GET
def search(request):
    """Options for a region-code input (htmx): matches within the user's scope."""
    levels = [lv for x in request.GET.getlist("level") if (lv := parse_small_int(x, high=5))]
    regions = selectors.region_search(user=request.user, q=request.GET.get("q", ""), levels=levels)
    return render(request, "regions/_options.html", {"regions": regions})
