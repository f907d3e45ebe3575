"""Forms for people, employment spells and departments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..core.forms import BaseForm
from wtforms import (
    SelectChoice,
    BooleanField,
    DateField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from .models import EndType, Role


def role_labels() -> dict[str, str]:
    return {
        Role.employee.value: _l("Employee"),
        Role.manager.value: _l("Manager"),
        Role.author.value: _l("Course author"),
        Role.hr.value: _l("HR"),
        Role.admin.value: _l("Administrator"),
    }


def as_choices(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def language_choices(blank: bool = True) -> list[SelectChoice]:
    pairs = [("en", "English"), ("da", "Dansk"), ("sv", "Svenska")]
    return as_choices(([("", _l("Follow the browser"))] if blank else []) + pairs)


def coerce_optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PersonForm(BaseForm):
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    employee_number = StringField(
        _l("Employee number"),
        validators=[Optional(), Length(max=40), Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, dot, dash or underscore."))],
        description=_l("The number in your HR system; leave empty if there is none."),
    )
    preferred_language = SelectField(_l("Language"), choices=language_choices(), validators=[Optional()])
    roles = MultiCheckboxField(_l("Roles"), choices=[])
    is_mentor = BooleanField(_l("Offers mentoring"))
    submit = SubmitField(_l("Save"))


class SpellForm(BaseForm):
    job_title = StringField(_l("Job title"), validators=[DataRequired(), Length(max=120)])
    department_id = SelectField(_l("Department"), coerce=coerce_optional_int, validators=[DataRequired()])
    manager_id = SelectField(_l("Manager"), coerce=coerce_optional_int, validators=[Optional()])
    hire_date = DateField(_l("Start date"), validators=[DataRequired(message=_l("Give the first day of employment."))])
    end_date = DateField(_l("End date"), validators=[Optional()], description=_l("The last day of employment; empty while employed."))
    end_type = SelectField(
        _l("How it ended"),
        choices=as_choices([("", "—"), (EndType.voluntary.value, _l("Voluntary (the person chose to leave)")),
                            (EndType.involuntary.value, _l("Involuntary (the organisation ended it)"))]),
        validators=[Optional()],
    )
    is_regretted = BooleanField(_l("Regretted leaver (we wanted to keep this person)"))
    submit = SubmitField(_l("Save"))


class DepartmentForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    parent_id = SelectField(_l("Part of"), coerce=coerce_optional_int, validators=[Optional()])
    submit = SubmitField(_l("Save"))


class ProfileForm(BaseForm):
    preferred_language = SelectField(_l("Language"), choices=language_choices(), validators=[Optional()])
    submit = SubmitField(_l("Save"))
