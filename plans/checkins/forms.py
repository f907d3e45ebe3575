"""Forms for the prep, the agenda, agreements, the date, holding the meeting and the cadence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lms.core.forms import BaseForm
from lms.people.forms import as_choices

from .models import AgreementOwner, AgreementStatus, Cadence


def _scale(low, high) -> list:
    return as_choices([(1, low), (2, "2"), (3, "3"), (4, "4"), (5, high)])


def owner_labels() -> dict[AgreementOwner, str]:
    return {AgreementOwner.employee: _l("Employee"), AgreementOwner.manager: _l("Manager")}


def agreement_status_labels() -> dict[AgreementStatus, str]:
    return {AgreementStatus.open: _l("Open"), AgreementStatus.done: _l("Done"), AgreementStatus.dropped: _l("Dropped")}


class PrepForm(BaseForm):
    went_well = TextAreaField(_l("What went well since the last check-in?"),
                              validators=[Optional(), Length(max=4000)])
    could_be_better = TextAreaField(_l("What could be better?"), validators=[Optional(), Length(max=4000)])
    workload = RadioField(_l("Workload"), coerce=int, validators=[InputRequired()],
                          choices=_scale(_l("1 – far too little"), _l("5 – far too much")),
                          description=_l("3 is about right."))
    flow = RadioField(_l("Flow: can you focus on your work?"), coerce=int, validators=[InputRequired()],
                      choices=_scale(_l("1 – constantly interrupted"), _l("5 – deep focus")))
    learning = TextAreaField(_l("What are you learning, or want to learn?"), validators=[Optional(), Length(max=4000)])
    wellbeing = RadioField(_l("How are you doing?"), coerce=int, validators=[InputRequired()],
                           choices=_scale(_l("1 – not well"), _l("5 – very well")))
    wellbeing_comment = TextAreaField(_l("Anything you want to add (optional)"),
                                      validators=[Optional(), Length(max=2000)])


class AgendaItemForm(BaseForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=500)])


class AgreementForm(BaseForm):
    text = StringField(_l("What did you agree?"), validators=[DataRequired(), Length(max=500)])
    owner = SelectField(_l("Who does it"), validators=[DataRequired()],
                        choices=as_choices((k.value, v) for k, v in owner_labels().items()))
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()])


class AgreementStatusForm(BaseForm):
    status = SelectField(_l("Status"), validators=[DataRequired()],
                         choices=as_choices((k.value, v) for k, v in agreement_status_labels().items()))


class ScheduleForm(BaseForm):
    scheduled_on = DateField(_l("Date"), validators=[InputRequired()])
    scheduled_time = TimeField(_l("Time (optional)"), validators=[Optional()])


class HoldForm(BaseForm):
    notes = TextAreaField(_l("Shared notes"), validators=[Optional(), Length(max=10000)],
                          description=_l("Markdown. Both of you can read them; HR cannot."))


class CadenceForm(BaseForm):
    cadence = SelectField(_l("How often do you meet?"), validators=[DataRequired()], choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .service import cadence_labels

        self.cadence.choices = as_choices((k.value, v) for k, v in cadence_labels().items())
