"""Routes of the leads app (the browser UI arrives with the triage issue)."""
from django.urls import path

from leads import views

app_name = "leads"

urlpatterns = [
    path("marketplace/", views.lead_list, {"tab": "marketplace"}, name="marketplace"),
    path("qualified/", views.lead_list, {"tab": "qualified"}, name="qualified"),
    path("favorites/", views.lead_list, {"tab": "favorites"}, name="favorites"),
    path("<str:lead_id>/", views.lead_detail, name="detail"),
]
