from django.contrib import admin
from django.urls import include, path

from shegong.api import api
from shegong.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("shegong.accounts.urls")),
    path("regions/", include("shegong.regions.urls")),
    path("stations/", include("shegong.stations.urls")),
    path("people/", include("shegong.people.urls")),
    path("work/", include("shegong.work.urls")),
    path("workforce/", include("shegong.workforce.urls")),
    path("audit/", include("shegong.audit.urls")),
    path("indicators/", include("shegong.indicators.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]
