"""CSV and PDF exports of the HR pages.

`csv_response` writes UTF-8 with a byte-order mark (so Excel in Danish and Swedish opens æ, ø, å
and ä, ö correctly) and neutralises cells that a spreadsheet would run as a formula (CSV
injection: a department named "=HYPERLINK(...)" is written as text). `pdf_response` lays out a
report of sections — a heading, paragraphs, a table, a chart — with fpdf2 in DejaVu Sans (bundled
with matplotlib, so every script prints), and stamps who exported it and when.

Hidden figures (groups below the thresholds) are passed in as ``None`` and written as "–" in both
formats, exactly as on the page: an export never shows more than the page.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import matplotlib
from flask import Response
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .charts import Chart

HIDDEN = "–"
#: resolution of the charts in PDFs (a chart's PNG is cached per resolution, so keep one)
PDF_CHART_DPI = 130
_FORMULA = re.compile(r"^[=+\-@\t\r]")
_FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return HIDDEN
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def _safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "export"


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV download (`filename` without extension is fine; ``.csv`` is added)."""
    name = _safe_filename(filename.removesuffix(".csv")) + ".csv"
    body = "\ufeff" + csv_text(header, rows)
    return Response(body.encode("utf-8"), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })


@dataclass
class Section:
    """One block of a PDF report. Any part may be left out."""

    heading: str = ""
    paragraphs: Sequence[str] = ()
    chart: Chart | None = None
    header: Sequence[str] = ()
    rows: Sequence[Sequence[Any]] = ()
    #: a small print under the table (e.g. "– : fewer than 10 people")
    note: str = ""


@dataclass
class Report:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)
    #: e.g. "Exported by Sofie Holm on 3 Dec 2026 14:02 UTC — confidential, HR only"
    footer: str = ""


class _PDF(FPDF):
    footer_text = ""
    family = "Helvetica"

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, "", 7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self.footer_text}   {self.page_no()}/{{nb}}", align="C")


def _font(pdf: _PDF) -> str:
    regular, bold = _FONT_DIR / "DejaVuSans.ttf", _FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font("DejaVu", "", str(regular))
        pdf.add_font("DejaVu", "B", str(bold))
        return "DejaVu"
    return "Helvetica"


def _text(value: Any) -> str:
    cell = _cell(value)
    if isinstance(cell, float):
        return f"{cell:.3g}" if abs(cell) < 1000 else f"{cell:,.0f}"
    return str(cell)


def pdf_bytes(report: Report) -> bytes:
    pdf = _PDF(orientation="portrait", unit="mm", format="A4")
    pdf.family = _font(pdf)
    pdf.footer_text = report.footer
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(report.title)
    pdf.set_creator("Fasthold")
    pdf.add_page()
    family = pdf.family
    pdf.set_font(family, "B", 16)
    pdf.multi_cell(0, 8, report.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if report.subtitle:
        pdf.set_font(family, "", 9)
        pdf.set_text_color(90, 90, 90)
        pdf.multi_cell(0, 5, report.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
    for section in report.sections:
        pdf.ln(3)
        if section.heading:
            pdf.set_font(family, "B", 12)
            pdf.multi_cell(0, 6, section.heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(family, "", 9)
        for paragraph in section.paragraphs:
            pdf.multi_cell(0, 4.5, paragraph, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1)
        if section.chart is not None:
            image = io.BytesIO(section.chart.png(dpi=PDF_CHART_DPI))
            pdf.image(image, w=min(170, pdf.epw))
            pdf.ln(2)
        if section.header:
            pdf.set_font(family, "", 8)
            with pdf.table(text_align="LEFT", line_height=4.5, first_row_as_headings=True) as table:
                table.row([str(h) for h in section.header])
                for row in section.rows:
                    table.row([_text(v) for v in row])
        if section.note:
            pdf.set_font(family, "", 7)
            pdf.set_text_color(90, 90, 90)
            pdf.multi_cell(0, 4, section.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.set_text_color(0, 0, 0)
    return bytes(pdf.output())


def pdf_response(filename: str, report: Report) -> Response:
    """A PDF download of `report`."""
    name = _safe_filename(filename.removesuffix(".pdf")) + ".pdf"
    return Response(pdf_bytes(report), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
    })


def stamp(user_name: str, when: datetime | None = None) -> str:
    """The footer line: who exported, when (UTC), and that it is confidential."""
    when = when or datetime.now(timezone.utc)
    return f"{user_name} · {when:%Y-%m-%d %H:%M} UTC"
