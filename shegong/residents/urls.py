from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="create"),
    path("sent/", views.request_sent, name="sent"),
    path("track/", views.request_track, name="track"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("matches/", views.match_list, name="matches"),
    path("resources/", views.resource_list, name="resources"),
    path("projects/", views.project_list, name="projects"),
    path("<int:pk>/match/", views.request_match, name="match"),
    path("<int:pk>/link/", views.request_link, name="link"),
    path("<int:pk>/visit/", views.request_visit, name="visit"),
    path("<int:pk>/<str:step>/", views.request_answer, name="answer"),
    path("photos/<int:pk>/", views.request_photo, name="photo"),
]
