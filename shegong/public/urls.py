from django.urls import path

from . import views

app_name = "public"
urlpatterns = [
    path("", views.finder, name="finder"),
    path("stations/<int:pk>/", views.board, name="board"),
    path("stations/<int:pk>/poster/", views.poster, name="poster"),
]
