from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("", views.package_list, name="list"),
    path("receive/", views.receive, name="receive"),
    path("<int:pk>/", views.package_detail, name="detail"),
]
