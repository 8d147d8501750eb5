"""Browser views of the leads app: parse the request, call one selector or service, render a page or its fragment."""
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from leads import services
from leads.exceptions import LeadChanged, LeadConflict
from leads.forms import AcceptForm, DealForm, DeclineForm, LoseForm, TeamMemberForm, apply_service_errors
from leads.models import Stage, Status, may_act_on
from leads.pagination import KEYSETS, paginate
from leads.selectors import lead_get_for, lead_history, lead_list_for, lead_waiting_counts
from leads.templatetags.leads_ui import LeadRows
from leads.visibility import contact_visible

PAGE_SIZE = 25
# `page=N` skips (N - 1) pages with OFFSET, which reads every row before it: fine for the first pages only.
MAX_PAGE_NUMBER = 100
# What a list row shows (leads_ui.LeadRows), plus the keysets' columns (received_at, id).
ROW_FIELDS = ("id", "lead_type", "status", "need", "received_at", "respond_by", "contact_requested", "deal_value",
              "currency", "customer__company", "customer__contact_name", "is_favorite")
TAB_LABELS = {
    "marketplace": gettext_lazy("Marketplace leads"),
    "qualified": gettext_lazy("Qualified leads"),
    "favorites": gettext_lazy("Favorites"),
}
SORT_CHOICES = [
    ("newest", gettext_lazy("Newest first")),
    ("time_left", gettext_lazy("Least time left")),
    ("deal_value", gettext_lazy("Highest deal value")),
]
STATUS_FILTER_CHOICES = [
    ("", gettext_lazy("All")),
    (Stage.RECEIVED.value, gettext_lazy("Waiting for an answer")),
    (Stage.ACCEPTED.value, gettext_lazy("Accepted")),
    (Stage.ARCHIVED.value, gettext_lazy("Archived")),
    (Status.WON.value, Status.WON.label),
    (Status.LOST.value, Status.LOST.label),
    (Status.DECLINED.value, Status.DECLINED.label),
    (Status.EXPIRED.value, Status.EXPIRED.label),
]
TEAM_FIELD = re.compile(r"^team-(\d+)-(?:name|email|phone)$")


class ListFilterForm(forms.Form):
    """The list's query string: anything unexpected falls back to the default instead of failing."""

    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=STATUS_FILTER_CHOICES, required=False)
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), choices=SORT_CHOICES, required=False)

    def values(self) -> dict:
        self.is_valid()  # an invalid field is left out of cleaned_data; the valid ones still apply
        data = self.cleaned_data
        return {"status": data.get("status") or "", "q": (data.get("q") or "").strip(),
                "sort": data.get("sort") or "newest"}


def _tabs(user) -> list[dict]:
    """The three tabs of the header, each with how many of its leads still wait for an answer (and saying so)."""
    counts = lead_waiting_counts(user)
    return [{"name": name, "label": label, "url": reverse(f"leads:{name}"), "waiting": counts[name],
             "title": ngettext("%(n)s lead waiting for an answer", "%(n)s leads waiting for an answer",
                               counts[name]) % {"n": counts[name]}}
            for name, label in TAB_LABELS.items()]


@require_GET
@login_required
def lead_list(request, tab: str):
    """One tab of leads; HTMX gets only the part it swaps: the results, or the whole panel on a tab switch.

    The newest and least-time-left orders page by cursor (`cursor`; `page` still works for the first pages) and
    never count the tab; the deal-value order has no keyset, so it pages by number and counts.
    """
    filters = ListFilterForm(request.GET)
    wanted = filters.values()
    template = "leads/lead_list.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-results" if request.htmx.target == "lead-results" else "#lead-panel"
    listing = lead_list_for(request.user, tab=tab, statuses=[wanted["status"]] if wanted["status"] else (),
                            q=wanted["q"], sort=wanted["sort"])
    # Only what a row shows, as named tuples: building model instances would cost more than rendering the rows.
    leads = listing.values_list(*ROW_FIELDS, named=True)
    if wanted["sort"] in KEYSETS:
        items, total, nav = _keyset_page(request, leads, wanted["sort"])
    else:
        items, total, nav = _numbered_page(request, leads, counted=listing)
    context = {
        "tab": tab,
        "tab_label": TAB_LABELS[tab],
        # The results fragment (search, filters, paging) leaves the tabs as they are: no need to count.
        "tabs": [] if template.endswith("#lead-results") else _tabs(request.user),
        "panel": True,
        "wanted": wanted,
        "status_options": _options(STATUS_FILTER_CHOICES, wanted["status"]),
        "sort_options": _options(SORT_CHOICES, wanted["sort"]),
        "rows": LeadRows(token=str(get_token(request)), next_url=request.get_full_path(),
                         user=request.user).render(items),
        "total": total,
        "nav": nav,
        "export_url": _link(request, reverse("leads:export", kwargs={"tab": tab}), page=None, cursor=None),
    }
    return _varies_on_htmx(render(request, template, context))


def _options(choices, selected: str) -> list[tuple[str, str, bool]]:
    """A select's options as (value, label, selected), so the template does no comparing per option."""
    return [(value, str(label), value == selected) for value, label in choices]


def _link(request, path: str, **changes) -> str:
    """`path` with the current query string, each of `changes` set (or removed when None)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _page_number(value) -> int:
    """A page number for offset paging: the first pages only (deeper ones go by cursor); anything else is 1."""
    return int(value) if value and value.isascii() and value.isdigit() and 0 < int(value) <= MAX_PAGE_NUMBER else 1


def _keyset_page(request, leads, sort: str):
    """Rows after `cursor`, or the numbered page `page` (an offset, for the first pages); total only when known."""
    cursor = request.GET.get("cursor") or None
    number = 1
    page = None
    if cursor:
        try:
            page = paginate(leads, sort=sort, cursor=cursor, limit=PAGE_SIZE)
        except ValidationError:  # a stale or edited cursor: start again at the first page
            cursor = None
    if page is None:
        number = _page_number(request.GET.get("page"))
        page = paginate(leads[(number - 1) * PAGE_SIZE:], sort=sort, cursor=None, limit=PAGE_SIZE)
        if number > 1 and not page.items:  # past the end: the first page, as for a number out of range
            number = 1
            page = paginate(leads, sort=sort, cursor=None, limit=PAGE_SIZE)
    path = request.path
    nav = {
        "first": _link(request, path, page=None, cursor=None) if cursor or number > 2 else None,
        "previous": _link(request, path, page=number - 1 if number > 2 else None, cursor=None)
        if not cursor and number > 1 else None,
        "label": _("Page %(n)s") % {"n": number} if not cursor else "",
        "next": _link(request, path, page=None, cursor=page.next_cursor) if page.next_cursor else None,
    }
    # The whole result is on this page only when it is the first one and no page follows: then it is counted.
    total = len(page.items) if not cursor and number == 1 and not page.next_cursor else None
    return page.items, total, nav


def _numbered_page(request, leads, *, counted):
    paginator = Paginator(leads, PAGE_SIZE)
    # Counted on the model query: the rows' customer columns would make the count join every customer of the tab.
    paginator.count = counted.count()
    page = paginator.get_page(request.GET.get("page"))
    path = request.path
    nav = {
        "first": None,
        "previous": _link(request, path, page=page.previous_page_number(), cursor=None)
        if page.has_previous() else None,
        "label": _("Page %(n)s of %(total)s") % {"n": page.number, "total": page.paginator.num_pages},
        "next": _link(request, path, page=page.next_page_number(), cursor=None) if page.has_next() else None,
    }
    return page.object_list, page.paginator.count, nav


def _varies_on_htmx(response):
    """One URL answers with a page or a fragment: caches must keep them apart."""
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
@login_required
def lead_detail(request, lead_id):
    return _render_detail(request, lead_get_for(request.user, lead_id))


def _detail_context(request, lead, bound: dict) -> dict:
    """The lead, its history and a form for each action its status allows this user (bound ones keep input)."""
    context = {
        "tabs": _tabs(request.user),
        "tab": lead.tab,
        "lead": lead,
        "events": list(lead_history(lead)),
        "team": list(lead.team.all()),
        "may_act": may_act_on(lead, request.user),
        "referrer_name": _referrer_name(lead),
        "contact_visible": contact_visible(lead, request.user),
    }
    if context["may_act"] and lead.status == Status.RECEIVED:
        context["accept_form"] = bound.get("accept_form") or AcceptForm()
        context["team_forms"] = bound.get("team_forms") or [_team_form(None, 0)]
        context["team_template"] = _team_form(None, "__i__")
        context["decline_form"] = bound.get("decline_form") or DeclineForm()
    elif context["may_act"] and lead.status == Status.ACCEPTED:
        context["edit_form"] = bound.get("edit_form") or DealForm(initial={
            field: getattr(lead, field) for field in services.DEAL_FIELDS
        })
        context["member_form"] = bound.get("member_form") or TeamMemberForm()
        context["lose_form"] = bound.get("lose_form") or LoseForm()
    context["open_form"] = bound.get("open_form", "")
    return context


def _referrer_name(lead) -> str:
    if lead.referring_partner_id:
        return lead.referring_partner.name
    if lead.referred_by_id:
        return lead.referred_by.get_full_name() or lead.referred_by.get_username()
    return ""


def _render_detail(request, lead, *, bound: dict | None = None, status: int = 200, conflict: str = "",
                   notice: str = ""):
    context = _detail_context(request, lead, bound or {})
    context.update(conflict=conflict, notice=notice)
    template = "leads/lead_detail.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#lead-main"
    return _varies_on_htmx(render(request, template, context, status=status))


def _team_form(data, index) -> TeamMemberForm:
    return TeamMemberForm(data, prefix=f"team-{index}", empty_permitted=True, use_required_attribute=False)


def _team_forms(data) -> list[TeamMemberForm]:
    """The accept form's extra team members, named team-<i>-name / -email / -phone; any number of them."""
    indices = sorted({int(match.group(1)) for key in data if (match := TEAM_FIELD.match(key))})
    return [_team_form(data, index) for index in indices]


class _Invalid(Exception):
    """The submitted form has errors; carries the bound forms to show them with the user's input."""

    def __init__(self, bound: dict):
        super().__init__("invalid input")
        self.bound = bound


def _act(request, lead_id, action: str, run, success: str):
    """Run one action: errors next to fields (422), a conflict with the fresh lead (409), else the fresh page."""
    lead = lead_get_for(request.user, lead_id)
    try:
        run(lead)
    except _Invalid as invalid:
        return _render_detail(request, lead, bound={**invalid.bound, "open_form": action}, status=422)
    except (LeadConflict, LeadChanged) as exc:
        fresh = lead_get_for(request.user, lead_id)
        return _render_detail(request, fresh, status=409, conflict=exc.message)
    if not request.htmx:
        messages.success(request, success)
        return redirect("leads:detail", lead_id=lead.pk)
    return _render_detail(request, lead_get_for(request.user, lead_id), notice=success)


def _service_errors(exc: ValidationError, form, team_forms=()) -> None:
    """Put a service's errors next to their fields; team errors are keyed team.<position>.<field>."""
    team_errors = {key: value for key, value in exc.message_dict.items() if key.startswith("team.")}
    for key, errors in team_errors.items():
        _, position, field = key.split(".", 2)
        for error in errors:
            team_forms[int(position)].add_error(field if field in TeamMemberForm.base_fields else None, error)
    rest = {key: value for key, value in exc.message_dict.items() if key not in team_errors}
    if rest:
        apply_service_errors(form, ValidationError(rest))


@require_POST
@login_required
def lead_accept(request, lead_id):
    def run(lead):
        form = AcceptForm(request.POST)
        team_forms = _team_forms(request.POST)
        bound = {"accept_form": form, "team_forms": team_forms or [_team_form(None, 0)]}
        team_valid = all([member.is_valid() for member in team_forms])
        if not (form.is_valid() and team_valid):
            raise _Invalid(bound)
        team = [member.cleaned_data for member in team_forms if member.has_changed()]
        try:
            services.lead_accept(lead=lead, by=request.user, team=team, **form.cleaned_data)
        except ValidationError as exc:
            _service_errors(exc, form, [member for member in team_forms if member.has_changed()])
            raise _Invalid(bound)

    return _act(request, lead_id, "accept", run, _("Lead accepted. Good luck with the deal!"))


def _form_action(request, form_class, bound_key: str, call):
    """`run(lead)` for an action whose input is one form: bad input, or a service's errors, go back beside the fields."""
    def run(lead):
        form = form_class(request.POST)
        if not form.is_valid():
            raise _Invalid({bound_key: form})
        try:
            call(lead, form.cleaned_data)
        except ValidationError as exc:
            _service_errors(exc, form)
            raise _Invalid({bound_key: form})
    return run


@require_POST
@login_required
def lead_decline(request, lead_id):
    run = _form_action(request, DeclineForm, "decline_form",
                       lambda lead, data: services.lead_decline(lead=lead, by=request.user, **data))
    return _act(request, lead_id, "decline", run,
                _("Lead declined. The customer will be told to choose another partner."))


@require_POST
@login_required
def lead_edit(request, lead_id):
    version = request.POST.get("version", "")
    if_version = int(version) if version.isdigit() else None
    run = _form_action(request, DealForm, "edit_form", lambda lead, data: services.lead_update_deal(
        lead=lead, by=request.user, if_version=if_version, **data))
    return _act(request, lead_id, "edit", run, _("Deal saved."))


@require_POST
@login_required
def lead_team(request, lead_id):
    run = _form_action(request, TeamMemberForm, "member_form",
                       lambda lead, data: services.lead_add_team_member(lead=lead, by=request.user, **data))
    return _act(request, lead_id, "team", run, _("Team member added."))


@require_POST
@login_required
def lead_win(request, lead_id):
    return _act(request, lead_id, "win", lambda lead: services.lead_win(lead=lead, by=request.user),
                _("Congratulations! The lead is marked won and archived."))


@require_POST
@login_required
def lead_lose(request, lead_id):
    run = _form_action(request, LoseForm, "lose_form",
                       lambda lead, data: services.lead_lose(lead=lead, by=request.user, **data))
    return _act(request, lead_id, "lose", run, _("The lead is marked lost and archived."))


@require_POST
@login_required
def lead_favorite(request, lead_id):
    """Set or clear the user's heart (`favorite` = 1 / 0); HTMX gets the new heart, a plain form goes back."""
    favorite = request.POST.get("favorite") in ("1", "true", "on")
    services.lead_favorite_set(lead=lead_id, by=request.user, favorite=favorite)
    if request.htmx:
        lead = lead_get_for(request.user, lead_id)
        return render(request, "leads/_heart.html", {"lead": lead, "next": request.POST.get("next", "")})
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        back = reverse("leads:detail", kwargs={"lead_id": lead_id})
    return redirect(back)
