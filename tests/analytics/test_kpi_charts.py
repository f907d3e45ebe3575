"""The KPI page's charts as their own HR-only, cacheable SVG routes: the page links them with its
filter set and language, and each answers with the same disclosure control as the page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape

import pytest

from analytics import kpi_views
from tests.analytics.test_kpis import _org, _recent, hire, staff  # noqa: F401 (hire is a fixture)


@pytest.fixture
def hr(create_user, login):
    user = create_user("hr", with_spell=False)
    login(user)
    return user


def _chart_urls(html: str) -> dict[str, str]:
    return {m.group(1): unescape(m.group(0)[len('src="'):-1])
            for m in re.finditer(r'src="/analytics/kpis/charts/(\w+)\.svg\?[^"]*"', html)}


def test_the_page_links_its_charts_with_the_filter_set_and_language(client, hr, create_department, hire):
    _org(create_department, hire)
    html = client.get(f"/analytics/kpis?{_recent()}").get_data(as_text=True)
    urls = _chart_urls(html)
    assert {"headcount", "turnover", "departments"} <= set(urls)
    assert "data:image/svg+xml" not in html  # nothing drawn for the page itself
    start = (date.today() - timedelta(days=100)).isoformat()
    assert all(f"start={start}" in u and f"end={date.today().isoformat()}" in u and "lang=en" in u
               for u in urls.values())


def test_a_chart_is_svg_private_and_cacheable_with_an_etag(client, hr, create_department, hire):
    _org(create_department, hire)
    url = _chart_urls(client.get(f"/analytics/kpis?{_recent()}").get_data(as_text=True))["turnover"]
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert response.get_data(as_text=True).lstrip().startswith(("<?xml", "<svg"))
    assert response.cache_control.private and response.cache_control.max_age == kpi_views.CHART_MAX_AGE
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")  # nothing runs in it
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag, _weak = response.get_etag()
    assert etag
    again = client.get(url, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and not again.data


def test_the_language_in_the_url_draws_the_chart_in_it(client, hr, create_department, hire):
    _org(create_department, hire)
    url = _chart_urls(client.get(f"/analytics/kpis?{_recent()}").get_data(as_text=True))["turnover"]
    english = client.get(url)
    danish = client.get(url.replace("lang=en", "lang=da"))
    assert danish.status_code == 200
    assert danish.get_etag()[0] != english.get_etag()[0]
    assert "\u00a0%" in danish.get_data(as_text=True) and "\u00a0%" not in english.get_data(as_text=True)


def test_charts_are_hr_only(client, create_user, login, create_department, hire):
    _org(create_department, hire)
    url = f"/analytics/kpis/charts/turnover.svg?{_recent()}"
    assert client.get(url).status_code in (302, 401)  # not signed in: the login page
    login(create_user("employee", with_spell=False))
    assert client.get(url).status_code == 403
    login(create_user("manager", with_spell=False))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("query, reason", [
    ("start=2026-13-45", "Invalid filter"),
    ("start=2026-06-01&end=2026-01-01", "before the start date"),
    ("granularity=decade", "Invalid filter"),
    ("department_id=abc", "Invalid filter"),
    ("tenure_band=9%2B", "Invalid filter"),
    ("lang=xx", "unknown language"),
])
def test_bad_filters_on_a_chart_are_a_400_with_the_reason(client, hr, query, reason):
    response = client.get(f"/analytics/kpis/charts/turnover.svg?{query}")
    assert response.status_code == 400
    assert reason in response.get_data(as_text=True)


def test_an_unknown_chart_is_a_404(client, hr):
    assert client.get(f"/analytics/kpis/charts/people.svg?{_recent()}").status_code == 404


def test_a_group_too_small_to_show_has_no_chart_to_fetch(client, hr, create_department, hire):
    """The same disclosure control as the page: 4 people draw nothing, so there is no picture to ask for."""
    small = create_department("Tiny")
    staff(hire, small, 4, hired=date.today() - timedelta(days=800))
    staff(hire, create_department("Large"), 40, hired=date.today() - timedelta(days=800))
    html = client.get(f"/analytics/kpis?{_recent()}&department_id={small.id}").get_data(as_text=True)
    assert not {"headcount", "turnover"} & set(_chart_urls(html))
    for name in ("headcount", "turnover"):
        assert client.get(f"/analytics/kpis/charts/{name}.svg?{_recent()}&department_id={small.id}").status_code == 404


def test_a_chart_after_the_page_reuses_the_pages_report(client, hr, create_department, hire, monkeypatch):
    _org(create_department, hire)
    url = _chart_urls(client.get(f"/analytics/kpis?{_recent()}").get_data(as_text=True))["headcount"]
    calls = []
    original = kpi_views.kpis.kpi_report
    monkeypatch.setattr(kpi_views.kpis, "kpi_report", lambda *a, **kw: calls.append(1) or original(*a, **kw))
    assert client.get(url).status_code == 200
    assert client.get(url.replace("headcount", "turnover")).status_code == 200
    assert calls == []
    # the page itself always computes afresh
    client.get(f"/analytics/kpis?{_recent()}")
    assert calls == [1]



def test_a_fetched_chart_is_drawn_for_the_pdf_too_in_its_language(client, hr, create_department, hire):
    """After the SVG is sent, its PNG for the PDF export is drawn (in the URL's language), so the
    export from the page does not draw it again."""
    from flask_babel import force_locale

    from analytics import charts, export, kpis

    _org(create_department, hire)
    url = _chart_urls(client.get(f"/analytics/kpis?{_recent()}").get_data(as_text=True))["turnover"]
    charts._PNG_CACHE.clear()
    response = client.get(url.replace("lang=en", "lang=da"))
    response.close()
    key = response.get_etag()[0]
    cached = charts._PNG_CACHE[(key, export.PDF_CHART_DPI)]
    filters = kpis.Filters(start=date.today() - timedelta(days=100), end=date.today(), granularity="quarter")
    drawn = {}
    with client.application.test_request_context():
        for lang in ("da", "en"):
            with force_locale(lang):
                chart = kpi_views.build_charts(kpis.kpi_report(filters))["turnover"]
                charts._PNG_CACHE.clear()
                drawn[lang] = (chart.key, chart.png(dpi=export.PDF_CHART_DPI))
    assert drawn["da"] == (key, cached)
    assert drawn["en"][1] != cached
