"""Routes of the leads app: the three tabs, a lead's page and one POST route per action (DESIGN §5)."""
from django.urls import path

from leads import views
from leads.export import lead_export

app_name = "leads"

urlpatterns = [
    path("marketplace/", views.lead_list, {"tab": "marketplace"}, name="marketplace"),
    path("qualified/", views.lead_list, {"tab": "qualified"}, name="qualified"),
    path("favorites/", views.lead_list, {"tab": "favorites"}, name="favorites"),
    path("<str:tab>/export.csv", lead_export, name="export"),
    path("<str:lead_id>/", views.lead_detail, name="detail"),
    path("<str:lead_id>/accept/", views.lead_accept, name="accept"),
    path("<str:lead_id>/decline/", views.lead_decline, name="decline"),
    path("<str:lead_id>/edit/", views.lead_edit, name="edit"),
    path("<str:lead_id>/team/", views.lead_team, name="team"),
    path("<str:lead_id>/win/", views.lead_win, name="win"),
    path("<str:lead_id>/lose/", views.lead_lose, name="lose"),
    path("<str:lead_id>/favorite/", views.lead_favorite, name="favorite"),
]
