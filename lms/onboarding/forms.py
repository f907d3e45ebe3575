"""Forms for tracks, their tasks and pages, the buddy choice and the check-in."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm
from ..people.forms import as_choices, coerce_optional_int
from .models import Area, Owner, PageKind, Phase


def phase_labels() -> dict[Phase, str]:
    return {
        Phase.preboarding: _l("Before day one"),
        Phase.week1: _l("Week 1"),
        Phase.day30: _l("First 30 days"),
        Phase.day60: _l("Days 31–60"),
        Phase.day90: _l("Days 61–90"),
    }


def area_labels() -> dict[Area, str]:
    return {Area.professional: _l("Professional"), Area.social: _l("Social"), Area.cultural: _l("Cultural")}


def owner_labels() -> dict[Owner, str]:
    return {
        Owner.new_hire: _l("New hire"), Owner.manager: _l("Manager"), Owner.buddy: _l("Buddy"),
        Owner.it: _l("IT"), Owner.hr: _l("HR"),
    }


def page_kind_labels() -> dict[PageKind, str]:
    return {
        PageKind.welcome: _l("Welcome from leadership"),
        PageKind.programme: _l("First-week programme"),
        PageKind.practical: _l("Practical information"),
    }


def _choices(labels: dict) -> list:
    return as_choices((k.value, v) for k, v in labels.items())


class TrackForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    department_id = SelectField(
        _l("Department"), coerce=coerce_optional_int, validators=[Optional()],
        description=_l("Also covers its sub-departments. Leave empty for every department."),
    )
    job_title = StringField(
        _l("Job title"), validators=[Optional(), Length(max=120)],
        description=_l("Exactly as on the employment record. Leave empty for every job title."),
    )
    description = TextAreaField(_l("Notes for HR"), validators=[Optional(), Length(max=5000)],
                                description=_l("Markdown."))
    is_active = BooleanField(_l("Active: assigned to new starters"), default=True)


class TrackTaskForm(BaseForm):
    title = StringField(_l("Task"), validators=[DataRequired(), Length(max=200)])
    phase = SelectField(_l("Phase"), choices=_choices(phase_labels()), validators=[DataRequired()])
    area = SelectField(_l("Area"), choices=_choices(area_labels()), validators=[DataRequired()])
    owner = SelectField(_l("Done by"), choices=_choices(owner_labels()), validators=[DataRequired()])
    due_offset_days = IntegerField(
        _l("Due day"), validators=[InputRequired(), NumberRange(min=-120, max=90)],
        description=_l("Days from the start date: -7 is a week before day one, 0 is day one."),
    )
    position = IntegerField(_l("Order on the same day"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=10000)],
                                description=_l("Markdown."))


class TrackPageForm(BaseForm):
    kind = SelectField(_l("Kind"), choices=_choices(page_kind_labels()), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=20000)], description=_l("Markdown."))
    video_url = URLField(_l("Video link"), validators=[Optional(), Length(max=500)],
                         description=_l("Optional: a link to a welcome video from leadership."))
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(min=0, max=999)])


class BuddyForm(BaseForm):
    buddy_id = SelectField(_l("Buddy"), coerce=coerce_optional_int, validators=[DataRequired()])


class CheckInForm(BaseForm):
    rating = RadioField(
        _l("How is your start going?"), coerce=int, validators=[InputRequired()],
        choices=as_choices([(1, _l("1 – badly")), (2, "2"), (3, "3"), (4, "4"), (5, _l("5 – very well"))]),
    )
    comment = TextAreaField(_l("What would help?"), validators=[Optional(), Length(max=2000)])
