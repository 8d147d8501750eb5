"""A lead's page and every action on it: one view runs each transition of leads.transitions, plus the deal edits
and the heart. HTMX gets the swapped part of the page; without JavaScript each action answers with a redirect."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from leads import services
from leads.exceptions import LeadChanged, LeadConflict
from leads.forms import ActionForm, DealForm, TeamMemberForm
from leads.models import ListTab
from leads.selectors import lead_get_for, lead_history
from leads.tenancy import may_act_on
from leads.transitions import TRANSITIONS
from leads.visibility import contact_visible
from leads.web.lists import tabs, varies_on_htmx

# The signals routing explains a choice by (DESIGN §7), as the lead page names them.
SIGNAL_LABELS = {
    "keywords": gettext_lazy("Keywords"),
    "location": gettext_lazy("Location"),
    "responsiveness": gettext_lazy("Quick answers"),
    "history": gettext_lazy("Your track record"),
    "capacity": gettext_lazy("Room this month"),
}


@require_GET
@login_required
def lead_detail(request, lead_id):
    return _render_detail(request, lead_get_for(request.user, lead_id))


def _detail_context(request, lead, bound: dict) -> dict:
    """The lead, its history and a form for each action its status allows this user (bound ones keep input)."""
    may_act = may_act_on(lead, request.user)
    forms = {}
    if may_act:
        forms = {
            name: bound.get(name) or transition.form(initial=transition.form.initial_for(lead))
            for name, transition in TRANSITIONS.items()
            if transition.form is not None and transition.source == lead.status
        }
        if lead.status == "accepted":
            forms["edit"] = bound.get("edit") or DealForm(
                initial={field: getattr(lead, field) for field in services.DEAL_FIELDS}
            )
            forms["team"] = bound.get("team") or TeamMemberForm()
    # The deal card, with its team, once the lead has a deal (a received one never has, nor a team to read).
    deal_shown = lead.status != "received" and bool(lead.deal_name)
    return {
        "tabs": tabs(request.user, tab=lead.tab),
        "tab": lead.tab,
        "lead": lead,
        "events": list(lead_history(lead)),
        "deal_shown": deal_shown,
        "team": list(lead.team.all()) if deal_shown else [],
        "may_act": may_act,
        "referrer_name": _referrer_name(lead),
        "match_reasons": [
            {"label": SIGNAL_LABELS.get(reason["signal"], reason["signal"]), **reason}
            for reason in lead.match_reasons_in(get_language() or "en")
        ],
        "contact_visible": contact_visible(lead, request.user),
        "forms": forms,
        "confirm": {name: transition.confirm for name, transition in TRANSITIONS.items() if transition.confirm},
        "open_form": bound.get("open_form", ""),
    }


def _referrer_name(lead) -> str:
    if lead.referring_partner_id:
        return lead.referring_partner.name
    if lead.referred_by_id:
        return lead.referred_by.get_full_name() or lead.referred_by.get_username()
    return ""


def _render_detail(
    request, lead, *, bound: dict | None = None, status: int = 200, conflict: str = "", notice: str = ""
):
    context = _detail_context(request, lead, bound or {})
    context.update(conflict=conflict, notice=notice)
    template = "leads/lead_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-main"
    return varies_on_htmx(render(request, template, context, status=status))


def _act(request, lead_id, name: str, form_class: type[ActionForm] | None, call, success: str):
    """Run one action: its form's errors (or the service's) beside the fields (422), a conflict with the fresh lead
    (409), else the fresh page with the confirmation."""
    lead = lead_get_for(request.user, lead_id)
    form = form_class(request.POST) if form_class is not None else None
    try:
        if form is not None and not form.is_valid():
            return _render_detail(request, lead, bound={name: form, "open_form": name}, status=422)
        call(lead, form.service_kwargs() if form is not None else {})
    except ValidationError as exc:
        if form is None:
            raise
        form.add_service_errors(exc)
        return _render_detail(request, lead, bound={name: form, "open_form": name}, status=422)
    except (LeadConflict, LeadChanged) as exc:
        fresh = lead_get_for(request.user, lead_id)
        return _render_detail(request, fresh, status=409, conflict=exc.message)
    if not request.htmx:
        messages.success(request, success)
        return redirect("leads:detail", lead_id=lead.pk)
    return _render_detail(request, lead_get_for(request.user, lead_id), notice=success)


@require_POST
@login_required
def lead_transition(request, lead_id, name: str):
    """POST /leads/<id>/<name>/ for each transition of leads.transitions."""
    transition = TRANSITIONS.get(name)
    if transition is None:
        raise Http404("No such action.")
    if transition.confirm and request.POST.get("confirmed") != "1":
        return _ask_to_confirm(request, lead_id, name, transition)
    return _act(
        request,
        lead_id,
        name,
        transition.form,
        lambda lead, data: transition.service(lead=lead, by=request.user, **data),
        str(transition.done),
    )


def _ask_to_confirm(request, lead_id, name: str, transition):
    """An action that archives asks once: valid input answers with a page holding the same form plus confirmed=1
    (static/js/confirm.js asks in a dialog first, so a browser with JavaScript never sees this page)."""
    lead = lead_get_for(request.user, lead_id)
    if not may_act_on(lead, request.user) or lead.status != transition.source:
        return _act(
            request,
            lead_id,
            name,
            transition.form,
            lambda lead, data: transition.service(lead=lead, by=request.user, **data),
            str(transition.done),
        )  # the service answers 403 / 409 as usual
    form = transition.form(request.POST) if transition.form is not None else None
    if form is not None and not form.is_valid():
        return _render_detail(request, lead, bound={name: form, "open_form": name}, status=422)
    kept = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", "confirmed")
        for value in values
    ]
    template = "leads/confirm.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-main"
    return varies_on_htmx(
        render(
            request,
            template,
            {
                "tabs": tabs(request.user, tab=lead.tab),
                "tab": lead.tab,
                "lead": lead,
                "question": transition.confirm,
                "action_label": transition.label,
                "action_url": reverse(f"leads:{name}", kwargs={"lead_id": lead.pk}),
                "kept": kept,
                "danger": name != "win",
            },
        )
    )


@require_POST
@login_required
def lead_edit(request, lead_id):
    version = request.POST.get("version", "")
    if_version = int(version) if version.isascii() and version.isdigit() and len(version) < 10 else None
    return _act(
        request,
        lead_id,
        "edit",
        DealForm,
        lambda lead, data: services.lead_update_deal(lead=lead, by=request.user, if_version=if_version, **data),
        _("Deal saved."),
    )


@require_POST
@login_required
def lead_team(request, lead_id):
    return _act(
        request,
        lead_id,
        "team",
        TeamMemberForm,
        lambda lead, data: services.lead_add_team_member(lead=lead, by=request.user, **data),
        _("Team member added."),
    )


@require_POST
@login_required
def lead_team_remove(request, lead_id, member_id: str):
    return _act(
        request,
        lead_id,
        "team",
        None,
        lambda lead, data: services.lead_remove_team_member(lead=lead, by=request.user, member_id=member_id),
        _("Team member removed."),
    )


@require_POST
@login_required
def lead_favorite(request, lead_id):
    """Set or clear the user's heart (`favorite` = 1 / 0); HTMX gets the new heart, a plain form goes back."""
    favorite = request.POST.get("favorite") in ("1", "true", "on")
    services.lead_favorite_set(lead=lead_id, by=request.user, favorite=favorite)
    if request.htmx:
        lead = lead_get_for(request.user, lead_id)
        # The tabs come along out of band: the Favorites badge counts the new heart at once.
        tab, panel = _current_tab(request, lead)
        return render(
            request,
            "leads/_heart.html",
            {
                "lead": lead,
                "next": request.POST.get("next", ""),
                "with_tabs": True,
                "tabs": tabs(request.user),
                "tab": tab,
                "panel": panel,
            },
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = reverse("leads:detail", kwargs={"lead_id": lead_id})
    return redirect(back)


def _current_tab(request, lead) -> tuple[str, bool]:
    """The tab the page that sent the heart shows (a list, or the lead's own tab on its page), and whether that
    page is a list (whose tabs swap the panel in place)."""
    try:
        match = resolve(urlsplit(request.htmx.current_url or "").path)
    except Resolver404:
        match = None
    if match is not None and match.url_name in ListTab.values:
        return match.url_name, True
    return lead.tab, False
