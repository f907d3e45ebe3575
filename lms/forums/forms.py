"""Forms for groups, threads, replies, edits and reports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..core.forms import BaseForm
from .service import BODY_MAX, TITLE_MAX

MARKDOWN_HINT = _l("Markdown works: **bold**, *italic*, lists, links and `code`. Mention someone with @ and "
                   "the first part of their e-mail address, e.g. @anna.berg.")


class GroupForm(BaseForm):
    title = StringField(_l("Name"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(_l("What the group is for"), validators=[Optional(), Length(max=2000)],
                                description=_l("Shown on the group's page. Markdown works."))
    submit = SubmitField(_l("Save"))


class ThreadForm(BaseForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)], description=MARKDOWN_HINT)
    submit = SubmitField(_l("Post thread"))


class ReplyForm(BaseForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=BODY_MAX)], description=MARKDOWN_HINT)
    #: the post being answered, if any
    reply_to = HiddenField()
    submit = SubmitField(_l("Post reply"))


class EditPostForm(BaseForm):
    #: only for the opening post, which carries the thread's title
    title = StringField(_l("Title"), validators=[Optional(), Length(max=TITLE_MAX)])
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=BODY_MAX)], description=MARKDOWN_HINT)
    submit = SubmitField(_l("Save"))


class ReportForm(BaseForm):
    reason = TextAreaField(_l("What is wrong with this post?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Only the moderators see your report."))
    submit = SubmitField(_l("Report to moderators"))
