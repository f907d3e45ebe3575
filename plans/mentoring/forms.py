"""Forms for the mentor profile, the request for a mentor, sessions, goals, feedback and answers."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import MultiCheckboxField, as_choices

from .models import MAX_CAPACITY, MIN_CAPACITY, WorkMode


def mode_labels() -> dict[WorkMode, str]:
    return {WorkMode.on_site: _l("On site"), WorkMode.remote: _l("Remote"), WorkMode.either: _l("Either")}


def language_labels() -> dict[str, str]:
    return {"en": _l("English"), "da": _l("Danish"), "sv": _l("Swedish"), "no": _l("Norwegian"),
            "de": _l("German"), "fi": _l("Finnish")}


def _modes():
    return as_choices((k.value, v) for k, v in mode_labels().items())


def _level_choices():
    return as_choices([("", "—")] + [(str(n), str(n)) for n in range(1, 6)])


class ProfileForm(BaseForm):
    """The fixed part; `profile_form(competencies)` adds one level field per competency."""

    capacity = IntegerField(_l("How many mentees at once"), default=2,
                            validators=[InputRequired(), NumberRange(MIN_CAPACITY, MAX_CAPACITY)],
                            description=_l("From 1 to 5. Your active mentorships count."))
    languages = MultiCheckboxField(_l("Languages you mentor in"), validators=[DataRequired()])
    mode = RadioField(_l("Meetings"), default=WorkMode.either.value, validators=[InputRequired()])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)],
                           description=_l("Where you meet on site, e.g. Copenhagen. Optional."))
    bio = TextAreaField(_l("What you like to help with"), validators=[Optional(), Length(max=3000)],
                        description=_l("Markdown."))
    is_published = BooleanField(_l("Published: take part in matching"), default=True)
    #: not rendered as an input: domain errors about the skills offered are shown above the levels
    skills = StringField()

    def level_fields(self):
        return [f for f in self if f.name.startswith("level_")]


def profile_form(competencies, **kwargs) -> ProfileForm:
    """A profile form with a level choice (— or 1–5) per active competency."""

    class Form(ProfileForm):
        pass

    for c in competencies:
        setattr(Form, f"level_{c.id}", SelectField(c.name, choices=_level_choices(), validators=[Optional()],
                                                   default=""))
    form = Form(**kwargs)
    form.languages.choices = as_choices(language_labels().items())
    form.mode.choices = _modes()
    return form


class RequestForm(BaseForm):
    goal = TextAreaField(_l("What do you want to achieve?"), validators=[DataRequired(), Length(max=2000)],
                         description=_l("For example: lead my first customer negotiation on my own this spring."))
    skills = MultiCheckboxField(_l("Skills you want to grow"), coerce=int, validators=[DataRequired()])
    language = SelectField(_l("Language"), coerce=lambda v: v or None,
                           validators=[Optional()])
    is_language_required = BooleanField(_l("The mentor must speak this language"))
    mode = RadioField(_l("Meetings"), default=WorkMode.either.value, validators=[InputRequired()])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=120)],
                           description=_l("Where you could meet on site. Optional."))
    prefers_other_department = BooleanField(_l("I prefer a mentor from another department"), default=True)

    def __init__(self, competencies, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.skills.choices = as_choices((c.id, c.name) for c in competencies)
        self.language.choices = as_choices([("", _l("Any language"))] + list(language_labels().items()))
        self.mode.choices = _modes()


class SessionForm(BaseForm):
    held_on = DateField(_l("Date"), default=date.today, validators=[InputRequired()])
    duration_minutes = IntegerField(_l("Minutes"), default=45, validators=[InputRequired(), NumberRange(5, 480)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)],
                          description=_l("Seen by both of you. Markdown."))


class GoalsForm(BaseForm):
    goals = TextAreaField(_l("Goals"), validators=[Optional(), Length(max=5000)], description=_l("Markdown."))


class FeedbackForm(BaseForm):
    rating = RadioField(
        _l("How did the mentorship go?"), coerce=int, validators=[InputRequired()],
        choices=as_choices([(1, _l("1 – badly")), (2, "2"), (3, "3"), (4, "4"), (5, _l("5 – very well"))]),
    )
    feedback = TextAreaField(_l("Feedback"), validators=[Optional(), Length(max=3000)])


class DeclineForm(BaseForm):
    note = TextAreaField(_l("Reason (for HR)"), validators=[Optional(), Length(max=1000)])
