"""Forms for HR data imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, SubmitField

from lms.core.forms import BaseForm
from lms.people.forms import as_choices


class UploadForm(BaseForm):
    """Step one: choose what the file holds and upload it."""

    kind = SelectField(_l("The file holds"), default="spells", choices=as_choices([
        ("spells", _l("Employment: one row per employment spell")),
        ("absences", _l("Absences: one row per absence")),
    ]))
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("UTF-8 (with or without BOM) or Excel's CSV; comma or semicolon separated."))
    submit = SubmitField(_l("Upload and check"))


class ActionForm(BaseForm):
    """A bare form for the CSRF token of the preview page's buttons (the mapping selects are read by name)."""
