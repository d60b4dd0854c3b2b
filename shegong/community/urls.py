from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    path("volunteers/new/", views.volunteer_edit, name="volunteer_create"),
    path("volunteers/<int:pk>/", views.volunteer_detail, name="volunteer_detail"),
    path("volunteers/<int:pk>/edit/", views.volunteer_edit, name="volunteer_edit"),
    path("volunteers/<int:pk>/certificate/", views.volunteer_certificate, name="certificate"),
    path("volunteers/<int:pk>/redeem/", views.volunteer_redeem, name="redeem"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/new/", views.team_edit, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("events/", views.event_list, name="event_list"),
    path("events/new/", views.event_edit, name="event_create"),
    path("events/<int:pk>/", views.event_detail, name="event_detail"),
    path("events/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("events/<int:pk>/<str:step>/", views.event_step, name="event_step"),
    path("sign/<int:pk>/<str:key>/", views.sign, name="sign"),
    path("records/", views.record_list, name="records"),
    path("donors/", views.donor_list, name="donor_list"),
    path("donors/new/", views.donor_edit, name="donor_create"),
    path("donors/<int:pk>/edit/", views.donor_edit, name="donor_edit"),
    path("ledger/", views.ledger, name="ledger"),
    path("donations/new/", views.donation_edit, name="donation_create"),
    path("donations/<int:pk>/", views.donation_detail, name="donation_detail"),
    path("donations/<int:pk>/edit/", views.donation_edit, name="donation_edit"),
    path("allocations/", views.allocation_list, name="allocation_list"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_edit, name="organisation_create"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
]
