"""Routes of the leads app: a list per tab, a lead's page and one POST route per action (DESIGN §5)."""

from django.urls import path

from leads.models import ListTab
from leads.transitions import TRANSITIONS
from leads.web import bulk, detail, imports, lists, live
from leads.web.export import lead_export

app_name = "leads"

urlpatterns = [
    *[path(f"{tab}/", lists.lead_list, {"tab": tab}, name=tab) for tab in ListTab.values],
    path("<str:tab>/export.csv", lead_export, name="export"),
    path("<str:tab>/live/", live.lead_live, name="live"),
    path("bulk/", bulk.lead_bulk, name="bulk"),
    path("import/", imports.lead_import, name="import"),
    path("import/<str:token>/apply/", imports.lead_import_apply, name="import-apply"),
    path("import/<str:token>/results.csv", imports.lead_import_results, name="import-results"),
    path("<str:lead_id>/", detail.lead_detail, name="detail"),
    *[path(f"<str:lead_id>/{name}/", detail.lead_transition, {"name": name}, name=name) for name in TRANSITIONS],
    path("<str:lead_id>/edit/", detail.lead_edit, name="edit"),
    path("<str:lead_id>/team/", detail.lead_team, name="team"),
    path("<str:lead_id>/team/<str:member_id>/remove/", detail.lead_team_remove, name="team-remove"),
    path("<str:lead_id>/favorite/", detail.lead_favorite, name="favorite"),
]
