"""The notification settings form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SubmitField
from wtforms.validators import DataRequired

from ..core.forms import BaseForm
from ..people.forms import as_choices
from .models import EmailMode


class NotificationSettingsForm(BaseForm):
    email_mode = RadioField(
        _l("E-mail me about notifications"),
        choices=as_choices([
            (EmailMode.immediate.value, _l("Immediately, one e-mail per notification")),
            (EmailMode.digest.value, _l("Once a day, in a summary")),
            (EmailMode.off.value, _l("Never; I read them here")),
        ]),
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Save"))
