from django.urls import path

from . import views

app_name = "workforce"
urlpatterns = [
    path("training/", views.training_list, name="training_list"),
    path("training/new/", views.training_edit, name="training_create"),
    path("training/<int:pk>/", views.training_detail, name="training_detail"),
    path("training/<int:pk>/edit/", views.training_edit, name="training_edit"),
    path("training/<int:pk>/void/", views.training_void, name="training_void"),
    path("workers/<int:pk>/profile/", views.worker_profile_edit, name="profile_edit"),
    path("me/", views.registration, name="registration"),
    path("registry/", views.registry_list, name="registry"),
    path("workers/<int:pk>/certificate/", views.certificate_decide, name="certificate_decide"),
    path("workers/<int:pk>/certificate/scan/", views.certificate_scan, name="certificate_scan"),
]
