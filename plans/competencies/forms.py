"""Forms for the competency framework, role profiles, career paths and course links."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import as_choices, coerce_optional_int

from .models import TransitionKind


def transition_labels() -> dict[TransitionKind, str]:
    return {TransitionKind.promotion: _l("Promotion"), TransitionKind.lateral: _l("Lateral move")}


class CompetencyForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=80)],
                           description=_l("Groups the framework, e.g. Leadership, Technical, Commercial."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    level_1 = TextAreaField(_l("Level 1: foundation"), validators=[Optional(), Length(max=1000)])
    level_2 = TextAreaField(_l("Level 2: developing"), validators=[Optional(), Length(max=1000)])
    level_3 = TextAreaField(_l("Level 3: proficient"), validators=[Optional(), Length(max=1000)])
    level_4 = TextAreaField(_l("Level 4: advanced"), validators=[Optional(), Length(max=1000)])
    level_5 = TextAreaField(_l("Level 5: expert"), validators=[Optional(), Length(max=1000)])
    is_active = BooleanField(_l("Active: used in role profiles and assessments"), default=True)


class RoleForm(BaseForm):
    title = StringField(_l("Job title"), validators=[DataRequired(), Length(max=120)],
                        description=_l("Exactly as on employment records: people with this title have this role."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    department_id = SelectField(_l("Usual department"), coerce=coerce_optional_int, validators=[Optional()])
    seniority = IntegerField(_l("Seniority (1 entry – 6 executive)"), default=2,
                             validators=[InputRequired(), NumberRange(min=1, max=6)])


class TransitionForm(BaseForm):
    to_role_id = SelectField(_l("Leads to"), coerce=coerce_optional_int, validators=[DataRequired()])
    kind = SelectField(_l("Kind"), validators=[DataRequired()],
                       choices=as_choices((k.value, v) for k, v in transition_labels().items()))


class CourseLinkForm(BaseForm):
    course_id = SelectField(_l("Course"), coerce=coerce_optional_int, validators=[DataRequired()])
    level = SelectField(_l("Builds up to level"), coerce=int, default=3,
                        choices=as_choices((n, str(n)) for n in range(1, 6)), validators=[InputRequired()])


class InterestForm(BaseForm):
    note = TextAreaField(_l("A note for your manager and HR (optional)"), validators=[Optional(), Length(max=1000)])
