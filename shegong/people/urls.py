from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.recipient_list, name="list"),
    path("new/", views.recipient_edit, name="create"),
    path("pick/", views.recipient_pick, name="pick"),
    path("<int:pk>/", views.recipient_detail, name="detail"),
    path("<int:pk>/edit/", views.recipient_edit, name="edit"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("<int:pk>/reveal/<str:field>/", views.recipient_reveal, name="reveal"),
]
