"""Course certificates as PDF (fpdf2), with a QR code (qrcode + Pillow) of the verification URL,
written in the person's language."""

from __future__ import annotations

import io
from pathlib import Path

import qrcode
from flask import current_app
from flask_babel import force_locale, format_date, gettext as _
from fpdf import FPDF

from .models import Certificate

_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]


def verification_url(certificate: Certificate) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/certificates/{certificate.uid}"


def _font(pdf: FPDF) -> str:
    """DejaVu Sans (any script) where the system has it; else Helvetica (Latin-1)."""
    for folder in _FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
    return "Helvetica"


def _qr_png(url: str) -> io.BytesIO:
    img = qrcode.make(url, box_size=8, border=2)
    out = io.BytesIO()
    img.save(out, format="PNG")
    out.seek(0)
    return out


def certificate_pdf(certificate: Certificate, language: str | None = None) -> bytes:
    """The certificate as a one-page landscape A4 PDF in `language` (en, da or sv)."""
    language = language if language in current_app.config["LANGUAGES"] else "en"
    url = verification_url(certificate)
    with force_locale(language):
        title = _("Certificate of completion")
        intro = _("This certifies that")
        completed = _("has completed the course")
        on = _("on %(date)s", date=format_date(certificate.completed_at.date(), "long"))
        verify = _("Verify this certificate at")
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_title(f"{title}: {certificate.course_title}")
    pdf.set_author("Fasthold")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family = _font(pdf)

    def text(value: str) -> str:
        return value if family != "Helvetica" else value.encode("latin-1", "replace").decode("latin-1")

    pdf.set_draw_color(31, 111, 139)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_y(35)
    pdf.set_font(family, "B", 30)
    pdf.cell(0, 14, text(title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(family, "", 14)
    pdf.cell(0, 8, text(intro), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 24)
    pdf.cell(0, 14, text(certificate.recipient_name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 14)
    pdf.cell(0, 8, text(completed), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "B", 20)
    pdf.multi_cell(0, 11, text(certificate.course_title), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 14)
    pdf.cell(0, 8, text(on), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.image(_qr_png(url), x=240, y=150, w=36, h=36)
    pdf.set_xy(20, 170)
    pdf.set_font(family, "", 10)
    pdf.cell(210, 6, text(verify), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(20)
    pdf.cell(210, 6, url, link=url)
    return bytes(pdf.output())
