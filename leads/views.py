"""Browser views of the leads app: thin wrappers around the selectors and services."""
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from leads.selectors import lead_get_for, lead_history, lead_queryset_for

TABS = {"marketplace", "qualified", "favorites"}


@login_required
def lead_list(request, tab: str):
    if tab not in TABS:
        raise Http404
    leads = lead_queryset_for(request.user).select_related("customer")
    if tab == "favorites":
        leads = leads.filter(favorites__user=request.user)
    else:
        leads = leads.filter(tab=tab)
    return render(request, "leads/lead_list.html", {"tab": tab, "leads": leads[:50]})


@login_required
def lead_detail(request, lead_id: str):
    lead = lead_get_for(request.user, lead_id)
    return render(request, "leads/lead_detail.html", {"lead": lead, "events": lead_history(lead)})
