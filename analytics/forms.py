"""Forms for HR data imports and pulse surveys."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import MultiCheckboxField, as_choices

from .pulse import STANDARD_TOPICS


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


class SurveyForm(BaseForm):
    """HR defines a pulse survey: wording, items, schedule and audience."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    organisation = StringField(_l("Organisation name in the eNPS question"), validators=[DataRequired(), Length(max=120)],
                               description=_l("“How likely is it that you would recommend … as a place to work?”"))
    topics = MultiCheckboxField(_l("Items besides the eNPS question"), choices=[], default=list(STANDARD_TOPICS[1:]))
    custom_question = StringField(_l("Your own statement (agree–disagree scale), optional"),
                                  validators=[Optional(), Length(max=300)])
    schedule = SelectField(_l("Schedule"), default="once", choices=as_choices([
        ("once", _l("Once")), ("monthly", _l("Every month")), ("quarterly", _l("Every quarter"))]))
    starts_on = DateField(_l("First round opens on"), validators=[DataRequired()])
    open_days = IntegerField(_l("Days each round stays open"), default=14,
                             validators=[DataRequired(), NumberRange(min=1, max=60)])
    department_ids = MultiCheckboxField(_l("Audience: departments (with their sub-departments); none ticked means everyone"),
                                        coerce=int, choices=[], validators=[Optional()])
    submit = SubmitField(_l("Create survey"))


def topic_labels() -> dict[str, str]:
    return {"growth": _l("Growth and learning"), "manager": _l("Support from the manager"),
            "workload": _l("Workload"), "belonging": _l("Belonging"),
            "stay": _l("“I see myself working here in two years”"), "comment": _l("Free-text comment")}


from wtforms import RadioField, TextAreaField  # noqa: E402


class RiskFeedbackForm(BaseForm):
    """HR's verdict on an early-warning score."""

    verdict = RadioField(_l("Was this flag right?"), choices=as_choices([
        ("useful", _l("Useful: the flag helped")),
        ("incorrect", _l("Incorrectly flagged")),
    ]), validators=[DataRequired(message=_l("Choose useful or incorrectly flagged."))])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save feedback"))

# --- retention alerts and actions (close the loop) ----------------------------------------------

from wtforms import TextAreaField  # noqa: E402

from lms.people.forms import coerce_optional_int  # noqa: E402


def action_kind_labels() -> dict[str, str]:
    return {"mentor_match": _l("A mentor match"), "development_playlist": _l("A development playlist"),
            "manager_conversation": _l("A conversation with the manager"), "workload_review": _l("A workload review"),
            "other": _l("Something else")}


class RetentionActionForm(BaseForm):
    """What HR did for one person or one team, and when."""

    kind = SelectField(_l("What was done"), validators=[DataRequired()],
                       choices=as_choices(action_kind_labels().items()))
    person = StringField(_l("For a person: e-mail or employee number"), validators=[Optional(), Length(max=254)])
    department_id = SelectField(_l("… or for a team"), coerce=coerce_optional_int, validators=[Optional()], choices=[])
    taken_on = DateField(_l("Date it was done"), validators=[DataRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=4000)],
                         description=_l("Visible to HR only. Write facts, not health details."))
    submit = SubmitField(_l("Record the action"))


class DismissAlertForm(BaseForm):
    """Dismiss an alert, saying why."""

    reason = StringField(_l("Reason for dismissing"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Dismiss"))

# --- KPIs (appended for issue 7 part 4) -----------------------------------------------------------


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class KpiFilterForm(BaseForm):
    """The KPI page's filters, read from the query string (GET changes nothing, so no CSRF token)."""

    class Meta(BaseForm.Meta):
        csrf = False

    granularity = SelectField(_l("Period"), default="quarter", choices=as_choices([
        ("month", _l("Month")), ("quarter", _l("Quarter")), ("year", _l("Year"))]))
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    department_id = SelectField(_l("Department (with its sub-departments)"), coerce=_int_or_none, choices=[],
                                validators=[Optional()])
    manager_id = SelectField(_l("Manager (direct reports)"), coerce=_int_or_none, choices=[], validators=[Optional()])
    tenure_band = SelectField(_l("Tenure"), choices=[], validators=[Optional()])
    location = SelectField(_l("Location"), choices=[], validators=[Optional()])

    def validate_start(self, field) -> None:
        from wtforms.validators import ValidationError as FieldError

        if field.data and not 1900 <= field.data.year <= 2999:
            raise FieldError(_l("Choose a date between 1900 and 2999."))

    def validate_end(self, field) -> None:
        from wtforms.validators import ValidationError as FieldError

        if field.data and not 1900 <= field.data.year <= 2999:
            raise FieldError(_l("Choose a date between 1900 and 2999."))
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise FieldError(_l("The end date is before the start date."))
            months = (field.data.year - self.start.data.year) * 12 + field.data.month - self.start.data.month + 1
            if months > 120:
                raise FieldError(_l("Choose at most ten years."))
