"""Server-side charts (SVG in an <img>, CSP-safe) and the CSV/PDF exports of the HR pages."""

import base64
import io
from datetime import date

from pypdf import PdfReader

from analytics import charts, export


def _svg(chart) -> str:
    return chart.svg().decode("utf-8")


def test_chart_renders_as_an_img_with_escaped_alt_text_and_an_svg_data_uri():
    chart = charts.line_chart({"eNPS": [("2026-Q1", 12), ("2026-Q2", 8)]}, alt='eNPS <fell> "a bit"')
    html = str(chart.__html__())
    assert html.startswith('<img class="chart" src="data:image/svg+xml;base64,')
    assert 'alt="eNPS &lt;fell&gt; &#34;a bit&#34;"' in html
    svg = base64.b64decode(html.split("base64,")[1].split('"')[0]).decode()
    assert "<svg" in svg and "<script" not in svg


def test_line_chart_keeps_labels_as_text_and_the_same_data_gives_the_same_svg():
    make = lambda: charts.line_chart(  # noqa: E731
        {"Sales": [(date(2026, 1, 31), 0.04), (date(2026, 2, 28), None), (date(2026, 3, 31), 0.05)],
         "Platform": [(date(2026, 1, 31), 0.02), (date(2026, 2, 28), 0.03), (date(2026, 3, 31), 0.01)]},
        alt="turnover", y_format="percent", title="Monthly turnover")
    first = _svg(make())
    assert "Monthly turnover" in first and "Sales" in first and "Platform" in first
    assert first == _svg(make())


def test_heatmap_marks_hidden_cells_and_labels_values():
    svg = _svg(charts.heatmap(["Sales", "Platform"], ["career", "pay"], [[5, None], [2, 3]], alt="reasons"))
    assert "–" in svg and ">5<" in svg and ">3<" in svg


def test_bar_chart_says_na_for_a_hidden_value_instead_of_drawing_zero():
    svg = _svg(charts.bar_chart(["Sales", "Tiny team"], [0.12, None], alt="turnover", value_format="percent"))
    assert "n/a" in svg and "Tiny team" in svg


def test_step_chart_draws_survival_curves_with_intervals():
    points = [(0, 1.0, 1.0, 1.0), (6, 0.9, 0.85, 0.95), (12, 0.8, 0.72, 0.86)]
    svg = _svg(charts.step_chart({"Lowest third": points, "Top third": points}, alt="retention"))
    assert "Lowest third" in svg and "Top third" in svg
    assert charts.step_chart({"x": points}, alt="r").png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_csv_has_a_bom_writes_hidden_figures_as_dash_and_defuses_formulas():
    body = export.csv_text(["Department", "Turnover"], [["=HYPERLINK(\"x\")", 0.1], ["Små", None]])
    assert body.splitlines() == ["Department,Turnover", "\"'=HYPERLINK(\"\"x\"\")\",0.1", "Små,–"]
    response = export.csv_response("turnover by department", ["a"], [[1]])
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Disposition"] == 'attachment; filename="turnover-by-department.csv"'
    assert response.mimetype == "text/csv"


def test_pdf_report_holds_title_table_chart_and_nordic_letters():
    report = export.Report(
        title="Personaleomsætning", subtitle="Fjordhavn · 2026",
        sections=[export.Section(heading="Afdelinger", paragraphs=["Frivillig afgang, år til dato."],
                                 chart=charts.bar_chart(["Salg"], [0.1], alt="x"),
                                 header=["Afdeling", "Rate"], rows=[["Økonomi", 0.125], ["Små", None]],
                                 note="– : færre end 10 personer")],
        footer="Sofie Holm · fortroligt")
    data = export.pdf_bytes(report)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Personaleomsætning" in text and "Økonomi" in text and "0.125" in text and "–" in text
    assert reader.pages[0].images, "the chart is embedded as an image"


def test_a_chart_is_drawn_once_for_the_same_inputs_and_again_for_new_ones(monkeypatch):
    from matplotlib.figure import Figure

    draws = []
    original = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (draws.append(1), original(self, *a, **k))[1])
    points = {"eNPS": [("2026-Q1", 12), ("2026-Q2", 9)]}
    first = charts.line_chart(points, alt="eNPS").svg()
    assert charts.line_chart(points, alt="eNPS").svg() == first and len(draws) == 1
    charts.line_chart({"eNPS": [("2026-Q1", 12), ("2026-Q2", 7)]}, alt="eNPS").svg()
    assert len(draws) == 2


def test_axis_numbers_follow_the_readers_language(app):
    points = {"Turnover": [("2026-Q1", 0.055), ("2026-Q2", 0.04)]}
    with app.test_request_context(headers={"Accept-Language": "da"}):
        danish = _svg(charts.line_chart(points, alt="t", y_format="percent"))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = _svg(charts.line_chart(points, alt="t", y_format="percent"))
    import re

    assert re.search(r">\d,\d+\u00a0%<", danish) and not re.search(r">\d\.\d+%<", danish)
    assert re.search(r">\d\.\d+%<", english)
