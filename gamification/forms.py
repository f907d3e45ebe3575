"""Forms for the profile's choices, points rules, badge definitions, and awarding and revoking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField
from wtforms import BooleanField, EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import as_choices

from .badges import RULE_LABELS


class ProfileForm(BaseForm):
    is_hidden_from_boards = BooleanField(_l("Hide me from leaderboards (I still see my own rank)"))
    is_public = BooleanField(_l("Anyone with the link may see my profile"))
    shows_points = BooleanField(_l("Show my points on my public profile"))
    shows_badges = BooleanField(_l("Show my badges on my public profile"))
    shows_certificates = BooleanField(_l("Show my certificates on my public profile"))
    submit = SubmitField(_l("Save choices"))


class RuleForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Shown in people's points history, e.g. “Completed a course”."))
    verb_id = StringField(_l("Verb IRI"), validators=[DataRequired(), Length(max=2048)],
                          description=_l("e.g. http://adlnet.gov/expapi/verbs/completed"))
    activity_type = StringField(_l("Activity type IRI"), validators=[Optional(), Length(max=2048)],
                                description=_l("Leave empty to match every activity type."))
    points = IntegerField(_l("Points"), validators=[DataRequired(), NumberRange(min=1, max=10_000)])
    daily_cap = IntegerField(_l("Daily cap (points per person per day)"),
                             validators=[Optional(), NumberRange(min=1, max=1_000_000)],
                             description=_l("Leave empty for no cap."))
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save rule"))


class BadgeForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(_l("Description"), validators=[DataRequired(), Length(max=2000)])
    criteria = TextAreaField(_l("Criteria"), validators=[DataRequired(), Length(max=2000)],
                             description=_l("What a person has to do, in words; published with the badge."))
    rule_kind = SelectField(_l("Awarded when"), choices=as_choices((k.value, v) for k, v in RULE_LABELS.items()))
    rule_param = StringField(_l("Course id or category"), validators=[Optional(), Length(max=120)],
                             description=_l("The course's number for “a given course”; the category's name for “N courses in a category”."))
    rule_count = IntegerField(_l("N"), validators=[Optional(), NumberRange(min=1, max=1000)])
    image = FileField(_l("Image"), validators=[Optional(), FileAllowed(["png", "jpg", "jpeg", "gif"],
                                                                       _l("Upload a PNG, JPEG or GIF image."))],
                      description=_l("Square PNG works best. Leave empty for a generated image."))
    is_active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save badge"))


class AwardForm(BaseForm):
    email = EmailField(_l("Person's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Award badge"))


class RevokeForm(BaseForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Revoke"))
