from django.urls import path

from . import views

app_name = "indicators"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="records"),
    path("stations/", views.station_board, name="station_board"),
    path("report/", views.report, name="report"),
    path("report/jobs/<int:pk>/", views.job, name="job"),
    path("report/jobs/<int:pk>/download/", views.job_download, name="job_download"),
    path("rules/", views.rule_set_list, name="rule_set_list"),
    path("rules/new/", views.rule_set_edit, name="rule_set_create"),
    path("rules/<int:pk>/", views.rule_set_detail, name="rule_set_detail"),
    path("rules/<int:pk>/edit/", views.rule_set_edit, name="rule_set_edit"),
    path("months/", views.month_board, name="month_board"),
    path("months/<int:station_pk>/<str:month>/", views.month_detail, name="month_detail"),
    path("months/<int:station_pk>/<str:month>/step/", views.month_step_view, name="month_step"),
]
