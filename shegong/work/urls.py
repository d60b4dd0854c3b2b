from django.urls import path

from . import views

app_name = "work"
urlpatterns = [
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_create, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/<str:step>/", views.case_step, name="case_step"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_edit, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/sessions/", views.group_session_add, name="group_session_add"),
    path("activities/", views.activity_list, name="activity_list"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("admin-work/", views.admin_work_list, name="admin_work_list"),
    path("admin-work/new/", views.admin_work_create, name="admin_work_create"),
    path("long-days/", views.long_day_list, name="long_day_list"),
]
