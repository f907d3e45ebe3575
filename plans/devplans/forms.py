"""Forms for goals, playlist items, completing with a reflection, comments and the target role."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import as_choices, coerce_optional_int

from .models import ItemKind


def kind_labels() -> dict[ItemKind, str]:
    return {
        ItemKind.course: _l("Course from the catalogue"),
        ItemKind.module: _l("Module of a course"),
        ItemKind.shadowing: _l("Shadow a colleague"),
        ItemKind.stretch: _l("Stretch task or project"),
        ItemKind.mentoring: _l("Mentoring session"),
        ItemKind.reading: _l("Reading or link"),
        ItemKind.workshop: _l("Workshop"),
        ItemKind.custom: _l("Something else"),
    }


def level_choices(blank: str | None = None) -> list:
    pairs = [(str(n), str(n)) for n in range(1, 6)]
    return as_choices(([("", blank)] if blank is not None else []) + pairs)


class GoalForm(BaseForm):
    title = StringField(_l("Goal"), validators=[DataRequired(), Length(max=200)],
                        description=_l("What you want to be able to do, e.g. “Lead a customer workshop on my own”."))
    why = TextAreaField(_l("Why it matters"), validators=[Optional(), Length(max=2000)])
    target_date = DateField(_l("Target date"), validators=[Optional()])
    competency_id = SelectField(_l("Competency"), coerce=coerce_optional_int, validators=[Optional()])
    target_level = SelectField(_l("Target level"), coerce=coerce_optional_int, validators=[Optional()])


class ItemForm(BaseForm):
    kind = SelectField(_l("Kind of step"), validators=[DataRequired()],
                       choices=as_choices((k.value, v) for k, v in kind_labels().items()))
    title = StringField(_l("Step"), validators=[Optional(), Length(max=200)],
                        description=_l("For a course or module, leave empty to use its title."))
    course_id = SelectField(_l("Course"), coerce=coerce_optional_int, validators=[Optional()])
    module_id = SelectField(_l("Module"), coerce=coerce_optional_int, validators=[Optional()])
    colleague_id = SelectField(_l("Colleague"), coerce=coerce_optional_int, validators=[Optional()],
                               description=_l("For shadowing or a mentoring session."))
    url = URLField(_l("Link"), validators=[Optional(), Length(max=2048)])
    details = TextAreaField(_l("Details"), validators=[Optional(), Length(max=5000)])
    due_on = DateField(_l("Do by"), validators=[Optional()])
    position = IntegerField(_l("Place in the playlist"), validators=[Optional(), NumberRange(min=1, max=500)],
                            description=_l("1 puts it first. Leave empty to add it at the end."))


class ReflectionForm(BaseForm):
    reflection = TextAreaField(_l("Reflection or evidence"), validators=[Optional(), Length(max=5000)],
                               description=_l("A few lines: what you did, what you learnt, a link to the result."))


class CommentForm(BaseForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)])


class TargetRoleForm(BaseForm):
    target_role_id = SelectField(_l("Role I am working towards"), coerce=coerce_optional_int, validators=[Optional()])
