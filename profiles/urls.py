"""Routes of the partner's own pages: the business profile at /profile/."""

from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("", views.profile_edit, name="profile"),
    path("locations/<str:location_id>/remove/", views.location_remove, name="location-remove"),
]
