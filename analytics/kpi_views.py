"""The HR KPI page (/analytics/kpis): filters, KPI cards with their evidence, charts, tables, and
CSV and PDF exports that never show more than the page."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from datetime import date

from flask import Response, abort, current_app, g, render_template, request, url_for
from flask_babel import force_locale, format_decimal, format_percent, get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lms.people.forms import as_choices
from lms.people.service import department_tree

from . import charts, export, kpis
from .forms import KpiFilterForm
from .permissions import can_view_kpis
from .views import bp, require

#: label and plain-language explanation of each KPI
KPI_TEXT = {
    "headcount_end": (_l("Headcount at period end"),
                      _l("People employed at the end of the last day of the period.")),
    "avg_headcount": (_l("Average headcount"),
                      _l("The mean of the month-end headcounts in the period; for a single month, the mean of "
                         "the headcount at its start and its end. Rates are divided by this number.")),
    "hires": (_l("Hires"), _l("Employment spells starting in the period. Someone who comes back is counted as a "
                              "new hire.")),
    "leavers": (_l("Leavers"), _l("Employment spells whose last day falls in the period, whatever the reason.")),
    "voluntary_leavers": (_l("Voluntary leavers"), _l("Leavers who chose to leave (resignations).")),
    "involuntary_leavers": (_l("Involuntary leavers"), _l("Leavers whose employment the organisation ended.")),
    "regretted_leavers": (_l("Regretted leavers"),
                          _l("Voluntary leavers whom the manager or HR flagged as people we wanted to keep.")),
    "turnover": (_l("Turnover"), _l("Leavers divided by the average headcount. In yearly views the monthly rates "
                                    "are compounded: 1 − (1 − rate of January) × … × (1 − rate of December).")),
    "voluntary_turnover": (_l("Voluntary turnover"),
                           _l("Voluntary leavers divided by the average headcount. Kept apart from involuntary "
                              "turnover because the causes differ.")),
    "involuntary_turnover": (_l("Involuntary turnover"), _l("Involuntary leavers divided by the average headcount.")),
    "regretted_turnover": (_l("Regretted turnover"), _l("Regretted leavers divided by the average headcount.")),
    "regretted_share": (_l("Share of voluntary leavers who were regretted"),
                        _l("Regretted leavers divided by voluntary leavers.")),
    "avg_tenure_leavers": (_l("Average tenure of leavers"),
                           _l("Years from the hire date to the last day, averaged over the period's leavers "
                              "(shown for at least 5 leavers).")),
    "absence_rate": (_l("Absence rate"),
                     _l("Sick days divided by the working days (Monday to Friday) the people spent in the group "
                        "during the period, leavers and new hires included. Group level only.")),
    "bradford": (_l("Bradford factor (group mean)"),
                 _l("For each person, S² × D over the last 52 weeks (S absence spells, D days), averaged over "
                    "the group. It weighs many short absences heavily and penalises chronic illness, disability "
                    "and pregnancy, so it is shown for groups only, never for a person, and never triggers "
                    "anything.")),
    "enps": (_l("eNPS"), _l("From closed pulse survey rounds: % answering 9–10 minus % answering 0–6, from −100 "
                            "to +100. Shown for at least 5 respondents.")),
    "devplan_share": (_l("Active development plans"),
                      _l("Share of the people at the end of the period who have a development plan with a goal "
                         "that is open at that date.")),
    "onboarding_day90": (_l("Onboarding done by day 90"),
                         _l("Share of the period's new hires (whose day 90 has passed) who had finished every "
                            "onboarding task due by day 90 by that day.")),
    "course_participation": (_l("Course participation"),
                             _l("Share of the people at the end of the period who enrolled in, worked on or "
                                "completed a course during the period.")),
    "mentoring_coverage": (_l("Mentoring coverage"),
                           _l("Share of the people at the end of the period who had a mentor (an active "
                              "mentorship or a mentoring session) during the period.")),
}
CARDS = ("headcount_end", "avg_headcount", "hires", "leavers", "turnover", "voluntary_turnover",
         "involuntary_turnover", "regretted_turnover", "avg_tenure_leavers", "absence_rate", "bradford", "enps",
         "devplan_share", "onboarding_day90", "course_participation", "mentoring_coverage")
CSV_TABLES = ("periods", "cohorts", "departments")


def hidden_text(reason: str | None) -> str:
    return {
        "small_count": _("fewer than 5 people"),
        "small_rate": _("fewer than 10 people"),
        "small_survey": _("fewer than 5 respondents"),
        "not_available": _("not available for this filter"),
        "incomplete": _("the cohort is younger than 12 months"),
        "no_data": _("no data"),
    }.get(reason or "", _("no data"))


def value_text(fig: kpis.Figure | None, kind: str) -> str:
    """The figure as the page writes it, in the reader's locale; "—" when hidden."""
    if fig is None or not fig.is_shown:
        return "—"
    v = fig.value
    if kind == "pct":
        return format_percent(v, "#,##0.0%")
    if kind == "count":
        return format_decimal(int(v), "#,##0")
    if kind == "score":
        return format_decimal(v, "+#,##0;-#,##0")
    if kind == "years":
        return _("%(years)s years", years=format_decimal(v, "#,##0.0"))
    return format_decimal(v, "#,##0.0")


def pct_text(v: float | None) -> str:
    return "—" if v is None else format_percent(v, "#,##0.0%")


def _num(v) -> str:
    if v is None:
        return ""
    return format_decimal(v, "#,##0.#") if isinstance(v, float) and not float(v).is_integer() else \
        format_decimal(int(v), "#,##0")


def evidence_text(key: str, fig: kpis.Figure | None, period: str) -> str:
    """What the number is made of: numerator / denominator, the period and n."""
    if fig is None:
        return ""
    if not fig.is_shown:
        return _("Not shown: %(reason)s.", reason=hidden_text(fig.hidden))
    parts = []
    if fig.numerator is not None and fig.denominator is not None and key != "avg_headcount":
        parts.append(f"{_num(fig.numerator)} / {_num(fig.denominator)}")
    elif key == "avg_headcount" and fig.denominator:
        parts.append(_("mean of %(n)d headcounts", n=int(fig.denominator)))
    parts.append(period)
    if fig.n is not None:
        parts.append(_("n = %(n)s", n=_num(fig.n)))
    if fig.note == "compounded":
        parts.append(_("compounded from monthly rates"))
    elif fig.note == "estimate":
        parts.append(_("Kaplan–Meier estimate"))
    return " · ".join(parts)


def _form() -> KpiFilterForm:
    form = KpiFilterForm(request.args)
    form.department_id.choices = as_choices(
        [(None, _("All departments"))] + [(d.id, "\u2003" * depth + d.name) for d, depth in department_tree()])
    form.manager_id.choices = as_choices([(None, _("All managers"))] + kpis.manager_choices())
    form.tenure_band.choices = as_choices([("", _("All tenures")), ("<1", _("Under 1 year")),
                                           ("1-2", _("1–2 years")), ("2-5", _("2–5 years")),
                                           ("5+", _("5 years or more"))])
    locations = kpis.location_choices()
    form.location.choices = as_choices([("", _("All locations"))] + [(v, v) for v in locations])
    if not locations:
        del form.location
    return form


def _filters(form: KpiFilterForm) -> kpis.Filters:
    today = date.today()
    end = form.end.data or today
    start = form.start.data or date(end.year - 1, 1, 1)
    granularity = form.granularity.data if form.granularity.data in kpis.GRANULARITIES else "quarter"
    # a blank-looking value (" ") passes the Optional() validator without the choice check
    band = form.tenure_band.data if form.tenure_band.data in kpis.TENURE_BANDS else None
    return kpis.Filters(start=start, end=end, granularity=granularity, department_id=form.department_id.data,
                        manager_id=form.manager_id.data, tenure_band=band,
                        location=(form.location.data or None) if form.location is not None else None)


def _valid_filters() -> tuple[KpiFilterForm, kpis.Filters | None]:
    form = _form()
    if not form.validate():
        return form, None
    return form, _filters(form)


#: reports the page computed lately, by filter set and day: the chart images the page links (the
#: browser fetches them right after the page) and an export from the page read the report the page
#: showed instead of computing it again (0.3–0.6 s at 10,000 people). Per process and short-lived:
#: the page itself always computes afresh, so an edit shows on the next page view.
_REPORTS: OrderedDict[tuple, tuple[float, kpis.KpiReport]] = OrderedDict()
_REPORTS_LOCK = threading.Lock()
REPORT_TTL = 300.0
REPORT_CACHE_SIZE = 32


def kpi_report(filters: kpis.Filters, *, fresh: bool = False) -> kpis.KpiReport:
    """The report for `filters`: computed now with `fresh`, else one computed for the same filters
    and day within `REPORT_TTL` seconds (and computed now when there is none)."""
    key = (filters, date.today())
    now = time.monotonic()
    if not fresh:
        with _REPORTS_LOCK:
            hit = _REPORTS.get(key)
            if hit is not None and now - hit[0] < REPORT_TTL:
                _REPORTS.move_to_end(key)
                return hit[1]
    report = kpis.kpi_report(filters)
    with _REPORTS_LOCK:
        _REPORTS[key] = (now, report)
        _REPORTS.move_to_end(key)
        while len(_REPORTS) > REPORT_CACHE_SIZE:
            _REPORTS.popitem(last=False)
    return report


def _pct(fig):
    return fig.value if fig is not None and fig.is_shown else None


def build_charts(report: kpis.KpiReport) -> dict[str, charts.Chart]:
    """The page's charts; a chart with nothing shown in it is left out (its table says why)."""
    out: dict[str, charts.Chart] = {}
    if not report.periods:
        return out
    head = [(pk.period.label, _pct(pk.figures.get("avg_headcount"))) for pk in report.periods]
    if any(v is not None for _x, v in head):
        out["headcount"] = charts.line_chart(
            {_("Average headcount"): head}, title=_("Headcount"), y_format="integer", y_min=0,
            alt=_("Average headcount by period: %(points)s",
                  points=charts.describe_points(head, lambda v: f"{v:.0f}")))
    series = {str(KPI_TEXT[k][0]): [(pk.period.label, _pct(pk.figures.get(k))) for pk in report.periods]
              for k in ("turnover", "voluntary_turnover", "involuntary_turnover")}
    total = series[str(KPI_TEXT["turnover"][0])]
    if any(v is not None for _x, v in total):
        out["turnover"] = charts.line_chart(
            series, title=_("Turnover"), y_format="percent", y_min=0,
            alt=_("Turnover by period: %(points)s", points=charts.describe_points(total, lambda v: f"{v:.1%}")))
    enps = [(pk.period.label, _pct(pk.figures.get("enps"))) for pk in report.periods]
    if any(v is not None for _x, v in enps):
        out["enps"] = charts.line_chart(
            {"eNPS": enps}, title=_("eNPS"), y_min=-100, y_max=100, reference=0,
            alt=_("eNPS by period: %(points)s", points=charts.describe_points(enps, lambda v: f"{v:+.0f}")))
    depts = report.departments
    if any(d.turnover is not None for d in depts):
        values = [d.turnover for d in depts]
        out["departments"] = charts.bar_chart(
            [("\u2003" * d.depth) + d.name for d in depts], values,
            title=_("Turnover by department over the range"), value_format="percent",
            alt=_("Turnover by department: %(points)s",
                  points=charts.describe_points(list(zip([d.name for d in depts], values)), lambda v: f"{v:.1%}")))
    cl = [c.label for c in report.cohorts]
    cv = [_pct(c.figure) for c in report.cohorts]
    if any(v is not None for v in cv):
        out["cohorts"] = charts.bar_chart(
            cl, cv, title=_("First-year attrition by hire cohort"), value_format="percent", horizontal=False,
            alt=_("First-year attrition by hire cohort: %(points)s",
                  points=charts.describe_points(list(zip(cl, cv)), lambda v: f"{v:.1%}")))
    return out


class ChartLink:
    """A chart on the page as an ``<img>`` that loads it from `kpis_chart`: the page answers
    without drawing, and the browser fetches (and caches) the pictures in parallel. Not lazy: the
    PDF export, a click away, finds the pictures drawn only if they were fetched."""

    def __init__(self, url: str, alt: str):
        self.url, self.alt = url, alt

    def __html__(self) -> Markup:
        return Markup('<img class="chart" src="{}" alt="{}" decoding="async">').format(self.url, self.alt)

    def __str__(self) -> str:
        return str(self.__html__())


def filter_query(f: kpis.Filters) -> dict:
    """The filter set as query arguments, with the dates resolved: a chart's URL names its figures
    exactly (a default range would mean another range tomorrow)."""
    query = {"granularity": f.granularity, "start": f.start.isoformat(), "end": f.end.isoformat()}
    for name in ("department_id", "manager_id", "tenure_band", "location"):
        if getattr(f, name) is not None:
            query[name] = getattr(f, name)
    return query


def chart_links(report: kpis.KpiReport) -> dict[str, ChartLink]:
    query = filter_query(report.filters)
    lang = str(get_locale())
    return {name: ChartLink(url_for("analytics.kpis_chart", name=name, lang=lang, **query), chart.alt)
            for name, chart in build_charts(report).items()}


@bp.route("/kpis")
@require(can_view_kpis)
def kpis_page():
    """HR KPIs by period for a chosen group, with the evidence beside each number."""
    form, filters = _valid_filters()
    if filters is None:
        return render_template("analytics/kpis/index.html", form=form, report=None, charts={}, latest=None,
                               cards=CARDS, text=KPI_TEXT, kinds=kpis.KPI_KIND, value_text=value_text,
                               evidence_text=evidence_text, hidden_text=hidden_text, pct_text=pct_text, query={}), 400
    report = kpi_report(filters, fresh=True)
    latest = report.periods[-1] if report.periods else None
    query = {k: v for k, v in request.args.items() if k in form._fields and v}
    return render_template("analytics/kpis/index.html", form=form, report=report, charts=chart_links(report),
                           latest=latest, cards=CARDS, text=KPI_TEXT, kinds=kpis.KPI_KIND, value_text=value_text,
                           evidence_text=evidence_text, hidden_text=hidden_text, pct_text=pct_text, query=query)


def _filters_or_400() -> kpis.Filters:
    form, filters = _valid_filters()
    if filters is None:
        errors = "; ".join(f"{form[name].label.text}: {' '.join(map(str, errs))}" for name, errs in form.errors.items())
        abort(400, _("Invalid filter: %(errors)s", errors=errors))
    return filters


def _report_or_400() -> kpis.KpiReport:
    return kpi_report(_filters_or_400())


CHARTS = ("headcount", "turnover", "enps", "departments", "cohorts")
#: how long a browser may reuse a chart without asking; after that it revalidates with the ETag
CHART_MAX_AGE = 300


@bp.route("/kpis/charts/<name>.svg")
@require(can_view_kpis)
def kpis_chart(name: str):
    """One chart of the KPI page as SVG, for the filter set and language in the URL (HR only, like the page)."""
    if name not in CHARTS:
        abort(404)
    lang = request.args.get("lang") or str(get_locale())
    if lang not in current_app.config["LANGUAGES"]:
        abort(400, _("Invalid filter: %(errors)s", errors=_("unknown language %(lang)s", lang=lang)))
    filters = _filters_or_400()
    with force_locale(lang):
        chart = build_charts(kpi_report(filters)).get(name)
        if chart is None:  # nothing shown in it: the page links no picture (its table says why)
            abort(404)
        response = Response(mimetype="image/svg+xml")
        response.set_etag(chart.key)
        response.cache_control.private = True
        response.cache_control.max_age = CHART_MAX_AGE
        response.headers["Vary"] = "Cookie"
        # a picture, not a page: matplotlib's SVG styles itself inline and runs nothing
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        if request.if_none_match.contains(chart.key):
            response.status_code = 304
            return response
        response.set_data(chart.svg())

    app = current_app._get_current_object()

    def draw_for_pdf():
        # after the SVG is sent (the request is over): the PDF export, one click away on the page,
        # then finds its picture drawn. force_locale does nothing while `g` is empty, hence the mark.
        with app.app_context():
            g.kpi_chart_for_pdf = name
            with force_locale(lang):
                try:
                    chart.png(dpi=export.PDF_CHART_DPI)
                except Exception:  # a warm-up only: the export draws it itself if this failed
                    app.logger.exception("drawing the PDF picture of a KPI chart in advance failed")

    response.call_on_close(draw_for_pdf)
    return response


@bp.route("/kpis/<table>.csv")
@require(can_view_kpis)
def kpis_csv(table: str):
    """One of the page's tables as CSV (hidden figures as "–")."""
    if table not in CSV_TABLES:
        abort(404)
    report = _report_or_400()
    header, rows = {"periods": kpis.period_table, "cohorts": kpis.cohort_table,
                    "departments": kpis.department_table}[table](report)
    f = report.filters
    return export.csv_response(f"kpis-{table}-{f.start.isoformat()}-{f.end.isoformat()}", header, rows)


@bp.route("/kpis.pdf")
@require(can_view_kpis)
def kpis_pdf():
    """The page as a PDF: the latest period's KPIs with evidence, the charts and the tables."""
    report = _report_or_400()
    f = report.filters
    figures = build_charts(report)
    sections = []
    latest = report.periods[-1] if report.periods else None
    if latest is not None:
        rows = [[str(KPI_TEXT[k][0]), value_text(latest.figures.get(k), kpis.KPI_KIND[k]),
                 evidence_text(k, latest.figures.get(k), latest.period.label)] for k in CARDS]
        sections.append(export.Section(heading=_("Key figures, %(period)s", period=latest.period.label),
                                       header=[_("KPI"), _("Value"), _("Evidence")], rows=rows,
                                       note=_("– : not shown (fewer than 5 people for counts, fewer than 10 for "
                                              "rates, or a group that could be worked out from others).")))
    for key, heading in (("headcount", _("Headcount")), ("turnover", _("Turnover")), ("enps", _("eNPS"))):
        if key in figures:
            sections.append(export.Section(heading=heading, chart=figures[key]))
    header, rows = kpis.department_table(report)
    sections.append(export.Section(heading=_("Turnover by department over the range"), chart=figures.get("departments"),
                                   header=header, rows=[[None if c == "" else c for c in r] for r in rows]))
    header, rows = kpis.cohort_table(report)
    sections.append(export.Section(heading=_("First-year attrition by hire cohort"), chart=figures.get("cohorts"),
                                   header=header, rows=[[None if c == "" else c for c in r] for r in rows]))
    sections.append(export.Section(heading=_("How the figures are made"),
                                   paragraphs=[f"{t[0]}: {t[1]}" for t in KPI_TEXT.values()]))
    doc = export.Report(
        title=_("HR KPIs"),
        subtitle=_("%(start)s to %(end)s, by %(granularity)s", start=f.start.isoformat(), end=f.end.isoformat(),
                   granularity={"month": _("month"), "quarter": _("quarter"), "year": _("year")}[f.granularity]),
        sections=sections,
        footer=_("Confidential, HR only") + " · " + export.stamp(current_user.full_name))
    return export.pdf_response(f"kpis-{f.start.isoformat()}-{f.end.isoformat()}", doc)


def kpi_csv_url(table: str, query: dict) -> str:
    return url_for("analytics.kpis_csv", table=table, **query)
