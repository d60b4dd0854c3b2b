from django.urls import path

from . import views

app_name = "work"
urlpatterns = [
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_edit, name="visit_create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/edit/", views.visit_edit, name="visit_edit"),
    path("visits/<int:pk>/void/", views.visit_void, name="visit_void"),
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
    path("activities/new/", views.activity_edit, name="activity_create"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/void/", views.activity_void, name="activity_void"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("admin-work/", views.admin_work_list, name="admin_work_list"),
    path("admin-work/new/", views.admin_work_edit, name="admin_work_create"),
    path("admin-work/<int:pk>/", views.admin_work_detail, name="admin_work_detail"),
    path("admin-work/<int:pk>/edit/", views.admin_work_edit, name="admin_work_edit"),
    path("admin-work/<int:pk>/void/", views.admin_work_void, name="admin_work_void"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/void/", views.session_void, name="session_void"),
    path("long-days/", views.long_day_list, name="long_day_list"),
]
