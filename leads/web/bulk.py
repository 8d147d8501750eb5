"""The list's bulk bar (DESIGN §11): decline the selected received leads with one reason, or (un)favourite them.

Each lead goes through its own service alone (leads.services.bulk), so a lead a colleague decided meanwhile is
reported by name and spoils none of the others. HTMX gets the answer in #bulk-result and an `leads-changed`
event that reloads the rows; without JavaScript the answer is a message on the list it came from.
"""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from leads.models import DeclineReason, ListTab, Status
from leads.selectors import lead_queryset_for
from leads.services import Step, leads_bulk_run
from leads.services.bulk import MAX_ITEMS
from leads.web.lists import tabs

ACTIONS = {"decline": "decline", "favorite": "favorite", "unfavorite": "unfavorite"}


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=[(name, name) for name in ACTIONS])
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"), required=False, choices=[("", "—"), *DeclineReason.choices]
    )
    reason_notes = forms.CharField(label=gettext_lazy("Notes"), required=False, max_length=5000)

    def __init__(self, data, ids: list[str]):
        super().__init__(data)
        self.ids = ids

    def clean(self):
        data = super().clean()
        if not self.ids:
            raise forms.ValidationError(_("Select at least one lead first."))
        if len(self.ids) > MAX_ITEMS:
            raise forms.ValidationError(_("Select at most %(n)s leads.") % {"n": MAX_ITEMS})
        if data.get("action") == "decline":
            if not data.get("reason"):
                self.add_error("reason", _("Choose a reason for declining."))
            elif data["reason"] == DeclineReason.OTHER and not data.get("reason_notes", "").strip():
                self.add_error("reason_notes", _("Say why in the notes when the reason is “Other”."))
        return data

    def steps(self) -> list[Step]:
        action = self.cleaned_data["action"]
        if action == "decline":
            return [
                Step(
                    "decline",
                    {"reason": self.cleaned_data["reason"], "reason_notes": self.cleaned_data["reason_notes"]},
                )
            ]
        return [Step(action)]


def _summary(action: str, done: int, asked: int) -> str:
    if action == "decline":
        text = ngettext("%(done)s of %(asked)s lead declined.", "%(done)s of %(asked)s leads declined.", asked)
    elif action == "favorite":
        text = ngettext(
            "%(done)s of %(asked)s lead added to favourites.", "%(done)s of %(asked)s leads added to favourites.", asked
        )
    else:
        text = ngettext(
            "%(done)s of %(asked)s lead removed from favourites.",
            "%(done)s of %(asked)s leads removed from favourites.",
            asked,
        )
    return text % {"done": done, "asked": asked}


def _back(request) -> str:
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return back
    return reverse("leads:marketplace")


@require_POST
@login_required
def lead_bulk(request):
    ids = list(dict.fromkeys(request.POST.getlist("ids")))
    form = BulkForm(request.POST, ids)
    if not form.is_valid():
        if not request.htmx:
            for error in form.errors.values():
                messages.error(request, " ".join(error))
            return redirect(_back(request))
        return render(request, "leads/_bulk_result.html", {"form": form}, status=422)
    action = form.cleaned_data["action"]
    outcomes = leads_bulk_run(by=request.user, items=[(lead_id, form.steps(), None) for lead_id in ids])
    conflicted = [o.lead_id for o in outcomes if o.status == 409]  # ids that parsed, so safe for pk__in
    companies = {
        str(pk): company
        for pk, company in lead_queryset_for(request.user)
        .filter(pk__in=conflicted)
        .values_list("id", "customer__company")
    }
    statuses = dict(Status.choices)
    decided = [
        {
            "id": o.lead_id,
            "company": companies.get(o.lead_id, o.lead_id),
            "status": statuses.get(o.current_status, o.current_status),
        }
        for o in outcomes
        if o.status == 409
    ]
    context = {
        "summary": _summary(action, sum(o.ok for o in outcomes), len(outcomes)),
        "decided": decided,
        "failed": [o for o in outcomes if not o.ok and o.status != 409],
        "all_done": all(o.ok for o in outcomes),
    }
    if not request.htmx:
        (messages.success if context["all_done"] else messages.warning)(request, context["summary"])
        for lead in decided:
            messages.warning(
                request,
                _("%(company)s was already %(status)s by someone else.")
                % {"company": lead["company"], "status": str(lead["status"]).lower()},
            )
        return redirect(_back(request))
    # The tab counts move with every decline: they come along, out of band.
    tab = request.POST.get("tab", "")
    context.update(tabs=tabs(request.user), tab=tab if tab in ListTab.values else "", panel=True)
    response = render(request, "leads/_bulk_result.html", context)
    response["HX-Trigger"] = json.dumps({"leads-changed": True})
    return response
