from django.contrib import admin
from django.urls import include, path

from shegong.api import api
from shegong.core.metrics import metrics
from shegong.home import views as home_views
from shegong.home.health import healthz
from shegong.regions import urls as region_urls
from shegong.stations import views as station_views

# The root URLconf is the one place that composes apps: a page that joins several apps
# lives in the highest app it needs and is mounted here where users expect it.
region_patterns = [
    *region_urls.urlpatterns,
    path("<str:code>/", station_views.region_detail, name="detail"),
]

urlpatterns = [
    path("", home_views.home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("shegong.accounts.urls")),
    path("regions/", include((region_patterns, region_urls.app_name))),
    path("stations/", include("shegong.stations.urls")),
    path("people/", include("shegong.people.urls")),
    path("work/", include("shegong.work.urls")),
    path("field/", include("shegong.field.urls")),
    path("public/", include("shegong.public.urls")),
    path("requests/", include("shegong.residents.urls")),
    path("inbox/", include("shegong.inbox.urls")),
    path("community/", include("shegong.community.urls")),
    path("imports/", include("shegong.imports.urls")),
    path("exchange/", include("shegong.exchange.urls")),
    path("workforce/", include("shegong.workforce.urls")),
    path("purchase/", include("shegong.purchase.urls")),
    path("evaluation/", include("shegong.evaluation.urls")),
    path("audit/", include("shegong.audit.urls")),
    path("indicators/", include("shegong.indicators.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

# every error in Chinese, in the site's layout (JSON under /api/): shegong.core.errors
handler400 = "shegong.core.errors.bad_request"
handler403 = "shegong.core.errors.permission_denied"
handler404 = "shegong.core.errors.page_not_found"
handler500 = "shegong.core.errors.server_error"
