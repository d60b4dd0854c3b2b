from django.urls import path

from . import views

app_name = "regions"
# ``regions:detail`` (``<code>/``) is added by the root URLconf: that page counts stations
# and staff, so it lives in ``stations.views.region_detail``.
urlpatterns = [
    path("", views.browse, name="browse"),
    path("search/", views.search, name="search"),
]
