"""Browser views of insights: the page (HTMX swaps its body) and the CSV of the same numbers."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from insights.charts import insights_charts
from insights.export import insights_csv_rows
from insights.league import LEAGUE_COLUMNS, league_sort, partner_league
from insights.period import DEFAULT_DAYS, PRESET_DAYS, Period, last_days, period_parse
from insights.selectors import insights_for, insights_partner_for
from profiles.models import Organisation

PRESET_LABELS = {30: gettext_lazy("Last 30 days"), 90: gettext_lazy("Last 90 days"), 365: gettext_lazy("Last 365 days")}
LEAGUE_LABELS = {
    "partner": gettext_lazy("Partner"),
    "leads": gettext_lazy("Leads"),
    "acceptance_rate": gettext_lazy("Acceptance rate"),
    "median_response_hours": gettext_lazy("Median time to answer"),
    "expired_share": gettext_lazy("Expired"),
    "win_rate": gettext_lazy("Win rate"),
}


def _link(request, path: str, **changes) -> str:
    """`path` with the current query string, each of `changes` set (or removed when None)."""
    query = request.GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value is not None:
            query[key] = value
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _presets(request, period: Period | None) -> list[dict]:
    path = request.path
    return [
        {
            "days": days,
            "label": PRESET_LABELS[days],
            "url": _link(request, path, days=str(days), **{"from": None}, to=None),
            "active": period == last_days(days),
        }
        for days in PRESET_DAYS
    ]


def _league_headers(request, sort: str) -> list[dict]:
    """Each column's header: a link that sorts by it, descending first (ascending when it already is)."""
    headers = []
    for column in LEAGUE_COLUMNS:
        first = column if column == "partner" else f"-{column}"
        current = sort.lstrip("-") == column
        wanted = (column if sort.startswith("-") else f"-{column}") if current else first
        headers.append(
            {
                "column": column,
                "label": LEAGUE_LABELS[column],
                "url": _link(request, request.path, sort=wanted),
                "sorted": ("descending" if sort.startswith("-") else "ascending") if current else "",
            }
        )
    return headers


@require_GET
@login_required
def insights_page(request):
    """Cards, charts and their tables for a period; ops staff also pick a partner and see the league.

    HTMX gets only `#insights-body` (the picker re-renders with it, so its state stays right).
    """
    partner = insights_partner_for(request.user, request.GET.get("partner"))
    errors = {}
    try:
        period = period_parse(request.GET)
    except ValidationError as error:
        errors, period = error.message_dict, None
    context = {
        "period": period or last_days(DEFAULT_DAYS),
        "errors": errors,
        "partner": partner,
        "is_ops": request.user.is_staff,
        "presets": _presets(request, period),
        "partners": Organisation.objects.values_list("slug", "name") if request.user.is_staff else (),
        "csv_url": _link(request, reverse("insights:export")),
        # What the date fields show: the period's days, or what was typed when it is not a valid period.
        "form_from": request.GET.get("from", "") if errors else (period.start.isoformat()),
        "form_to": request.GET.get("to", "") if errors else (period.end.isoformat()),
    }
    if period is not None:
        insights = insights_for(request.user, period=period, partner=partner)
        context.update(insights=insights, charts=insights_charts(insights))
        if request.user.is_staff and partner is None:
            sort = league_sort(request.GET.get("sort"))
            context.update(
                league=partner_league(request.user, period=period, sort=sort),
                league_headers=_league_headers(request, sort),
            )
    template = "insights/insights.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#insights-body"
    response = render(request, template, context, status=422 if errors else 200)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@login_required
def insights_csv(request):
    """The page's numbers as CSV: one row per figure (section, key, value), plain numbers for spreadsheets."""
    partner = insights_partner_for(request.user, request.GET.get("partner"))
    try:
        period = period_parse(request.GET)
    except ValidationError as error:
        fields = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
        return HttpResponse(fields, status=422, content_type="text/plain; charset=utf-8")
    insights = insights_for(request.user, period=period, partner=partner)
    response = HttpResponse(insights_csv_rows(insights), content_type="text/csv; charset=utf-8")
    name = f"insights-{partner.slug if partner else 'all-partners'}-{period.start}-{period.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
