"""Routes of the public partner directory (no login); the contact form's POST is routed to leads."""

from django.urls import path

from profiles import directory

app_name = "directory"

urlpatterns = [
    path("", directory.partner_list, name="list"),
    path("<slug:slug>/", directory.partner_detail, name="detail"),
]
