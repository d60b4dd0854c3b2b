from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("people/", views.upload, name="upload"),
    path("people/template/", views.template, name="template"),
    path("volunteers/", views.upload, {"kind": "volunteers"}, name="volunteers"),
    path(
        "volunteers/template/",
        views.template,
        {"kind": "volunteers"},
        name="volunteers_template",
    ),
    path("workers/", views.upload, {"kind": "workers"}, name="workers"),
    path("workers/template/", views.template, {"kind": "workers"}, name="workers_template"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/passwords/", views.passwords, name="passwords"),
    path("<int:pk>/commit/", views.commit, name="commit"),
    path("<int:pk>/errors/", views.error_book, name="errors"),
]
