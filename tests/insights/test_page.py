"""/insights/: cards, SVG charts with their tables, EN and CS formatting, HTMX, the CSV, the league, the CSP."""

import csv
import io
import re
from datetime import timedelta
from itertools import pairwise

import pytest
from django.utils import timezone

from tests.insights.conftest import PERIOD, at, make_lead

pytestmark = pytest.mark.django_db
URL = "/insights/"


def _get(client, user, params=None, language="en", **headers):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(URL, params or {}, headers=headers)


def test_insights_page_shows_cards_charts_and_their_tables_in_english(client, partner_admin, known_leads):
    response = _get(client, partner_admin, PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<svg class="chart-svg"') == 4
    assert html.count('<details class="chart-data"') == 4
    assert html.count("<table") == 4
    assert "55.6%" in html and "66.7%" in html  # acceptance 5/9, win 2/3
    assert "8.0 h" in html and "4.6 d" in html  # median 8 h, 90th percentile 110.4 h
    assert "1,000.00 EUR" in html and "300.00 CZK" in html and "500.50 EUR" in html
    assert "January 2026" in html and "Not a fit for our business" in html
    assert 'href="/static/css/insights.css"' in html


def test_insights_page_in_czech_formats_numbers_and_months_for_the_language(client, partner_admin, known_leads):
    html = _get(client, partner_admin, PERIOD, language="cs").content.decode()
    assert 'lang="cs"' in html
    assert "55,6\xa0%" in html and "66,7\xa0%" in html
    assert "8,0\xa0h" in html
    assert "1\xa0000,00 EUR" in html
    assert "leden 2026" in html and "únor 2026" in html
    assert "Přehledy" in html and "Doba do odpovědi" in html


def test_insights_page_passes_the_strict_csp(client, partner_admin, known_leads):
    response = _get(client, partner_admin, PERIOD)
    html = response.content.decode()
    assert " style=" not in html and "<style" not in html
    assert all('src="' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert " on" not in re.sub(r"<[^>]*>", "", html) or not re.search(r"<[^>]+\son[a-z]+=", html)
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_insights_page_htmx_request_gets_only_the_swapped_body(client, partner_admin, known_leads):
    response = _get(client, partner_admin, PERIOD, HX_Request="true", HX_Target="insights-body")
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="insights-body"')
    assert "<html" not in html and "<svg" in html
    assert "HX-Request" in response.headers["Vary"]


def test_insights_page_presets_keep_the_partner_and_mark_the_active_one(client, ops_user, known_leads):
    html = _get(client, ops_user, {"days": "30", "partner": "contoso"}).content.decode()
    assert re.search(r'class="button small primary" href="[^"]*days=30[^"]*" aria-current="true"', html)
    assert 'href="/insights/?partner=contoso&amp;days=365"' in html


def test_insights_page_bad_period_names_the_field(client, partner_admin):
    response = _get(client, partner_admin, {"from": "2026-03-01", "to": "2026-01-01"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_from_error"' in html and 'aria-invalid="true"' in html
    assert '<svg class="chart-svg"' not in html


def test_insights_page_partner_member_cannot_open_another_organisation(client, partner_admin, known_leads):
    assert _get(client, partner_admin, {**PERIOD, "partner": "fabrikam"}).status_code == 404


def test_insights_page_refused_to_anonymous_and_to_a_user_of_no_organisation(client, outsider):
    assert client.get(URL).status_code == 302
    assert _get(client, outsider).status_code == 403


def test_insights_page_partner_sees_no_league_and_ops_get_picker_and_league(
    client, partner_admin, ops_user, known_leads
):
    partner_html = _get(client, partner_admin, PERIOD).content.decode()
    assert "league-table" not in partner_html and 'name="partner"' not in partner_html
    ops_html = _get(client, ops_user, PERIOD).content.decode()
    assert 'name="partner"' in ops_html and "league-table" in ops_html
    assert '<option value="fabrikam">Fabrikam Data</option>' in ops_html


def test_insights_page_query_count_stays_small(client, ops_user, known_leads, django_assert_max_num_queries):
    client.force_login(ops_user)
    with django_assert_max_num_queries(10):
        client.get(URL, PERIOD)


def _league_order(html: str) -> list[str]:
    table = html[html.index("league-table") :]
    return re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>', table)


@pytest.fixture
def league_leads(org, other_org):
    """Contoso: 4 leads, 1 expired, answers in 2 h. Fabrikam: 2 leads, both expired (no answer, no win rate).
    Initech: no lead at all."""
    from tests.factories import OrganisationFactory

    OrganisationFactory(name="Initech", slug="initech")
    make_lead(org, received_at=at(1, 2), status="won", answer_hours=2)
    make_lead(org, received_at=at(1, 3), status="lost", answer_hours=2)
    make_lead(org, received_at=at(1, 4), status="declined", answer_hours=2, reason="not_a_fit")
    make_lead(org, received_at=at(1, 5), status="expired")
    make_lead(other_org, received_at=at(1, 6), status="expired")
    make_lead(other_org, received_at=at(1, 7), status="expired")


@pytest.mark.parametrize(
    "sort, order",
    [
        (None, ["Fabrikam Data", "Contoso Consulting", "Initech"]),  # most expired first
        ("expired_share", ["Contoso Consulting", "Fabrikam Data", "Initech"]),
        ("-leads", ["Contoso Consulting", "Fabrikam Data", "Initech"]),
        ("leads", ["Initech", "Fabrikam Data", "Contoso Consulting"]),
        ("-acceptance_rate", ["Contoso Consulting", "Fabrikam Data", "Initech"]),
        ("-win_rate", ["Contoso Consulting", "Fabrikam Data", "Initech"]),
        ("median_response_hours", ["Contoso Consulting", "Fabrikam Data", "Initech"]),
        ("-partner", ["Initech", "Fabrikam Data", "Contoso Consulting"]),
        ("nonsense", ["Fabrikam Data", "Contoso Consulting", "Initech"]),
    ],
)
def test_insights_league_sorts_by_each_column_with_missing_figures_last(client, ops_user, league_leads, sort, order):
    html = _get(client, ops_user, {**PERIOD, **({"sort": sort} if sort else {})}).content.decode()
    assert _league_order(html) == order


def test_insights_league_shows_each_partners_figures(client, ops_user, league_leads):
    html = _get(client, ops_user, PERIOD).content.decode()
    contoso = html[html.index(">Contoso Consulting</a>") :]
    contoso = contoso[: contoso.index("</tr>")]
    assert re.findall(r"<td>([^<]*)</td>", contoso) == ["4", "50.0%", "2.0 h", "25.0%", "50.0%"]
    initech = html[html.index(">Initech</a>") :]
    assert re.findall(r"<td>([^<]*)</td>", initech[: initech.index("</tr>")]) == ["0", "–", "–", "–", "–"]


def test_insights_league_header_links_toggle_the_direction(client, ops_user, league_leads):
    html = _get(client, ops_user, {**PERIOD, "sort": "-leads"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert re.search(r'href="[^"]*sort=leads"', html)  # clicking the sorted column again sorts ascending


def test_insights_csv_has_the_same_numbers(client, partner_admin, known_leads):
    client.force_login(partner_admin)
    response = client.get("/insights/export.csv", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="insights-contoso-2026-01-01-2026-03-31.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "value"]
    figures = {(section, key): value for section, key, value in rows[1:]}
    assert figures[("leads", "")] == "10"
    assert figures[("by_status", "declined")] == "3"
    assert float(figures[("acceptance_rate", "")]) == pytest.approx(5 / 9)
    assert float(figures[("median_response_hours", "")]) == pytest.approx(8.0)
    assert float(figures[("p90_response_hours", "")]) == pytest.approx(110.4)
    assert figures[("pipeline_value", "EUR")] == "1000.00"
    assert figures[("won_value", "USD")] == "99.99"
    assert figures[("by_month.accepted", "2026-03")] == "2"
    assert figures[("by_month_type.sales_qualified", "2026-02")] == "1"
    assert figures[("decline_reasons", "not_a_fit")] == "2"
    assert figures[("response_hours_histogram", "1-4h")] == "2"
    assert figures[("period", "partner")] == "contoso"


def test_insights_csv_bad_period_is_a_422_and_foreign_partner_a_404(client, partner_admin):
    client.force_login(partner_admin)
    response = client.get("/insights/export.csv", {"to": "2026-02-30"})
    assert response.status_code == 422 and b"to:" in response.content
    assert client.get("/insights/export.csv", {"partner": "fabrikam"}).status_code == 404


def test_insights_header_link_shown_to_partner_members_and_ops(client, partner_admin):
    client.force_login(partner_admin)
    assert 'href="/insights/"' in client.get("/leads/marketplace/").content.decode()


def test_insights_page_default_period_is_the_last_90_days(client, partner_admin, org):
    make_lead(org, received_at=timezone.now() - timedelta(days=89))
    html = _get(client, partner_admin).content.decode()
    today = timezone.localdate()
    assert f'value="{(today - timedelta(days=89)).isoformat()}"' in html
    assert f'value="{today.isoformat()}"' in html
    assert re.search(r'aria-current="true"[^>]*>Last 90 days</a>', html)


@pytest.mark.parametrize(
    "largest, ticks",
    [
        (0, [0, 1]),
        (2, [0, 1, 2]),
        (3, [0, 1, 2, 3, 4, 5]),
        (7, [0, 2, 4, 6, 8, 10]),
        (130, [0, 50, 100, 150, 200]),
    ],
)
def test_insights_chart_axis_ticks_are_whole_evenly_spaced_numbers(largest, ticks):
    from insights.charts import column_chart

    chart = column_chart([("a", [("bar", largest, "")])])
    assert [tick.value for tick in chart.ticks] == ticks
    positions = [float(tick.y) for tick in chart.ticks]
    gaps = {round(a - b, 1) for a, b in pairwise(positions)}
    assert len(gaps) == 1
