"""Forms for exit interviews (the leaver's questionnaire, HR's notes) and the alumni list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Email, Length, NumberRange, Optional

from lms.core.forms import BaseForm
from lms.people.forms import MultiCheckboxField, as_choices

from .exits import TEXT_MAX, reason_labels, rehire_labels, would_return_labels
from .models import ExitReason, RehireEligibility, WouldReturn


def _reason_choices():
    labels = reason_labels()
    return as_choices((r.value, labels[r]) for r in ExitReason)


class ExitQuestionnaireForm(BaseForm):
    """The leaver's confidential questionnaire."""

    stay_suggestion = TextAreaField(_l("What could we have done for you to stay?"),
                                    validators=[Optional(), Length(max=TEXT_MAX)])
    challenges = TextAreaField(_l("What were the biggest challenges in your job?"),
                               validators=[Optional(), Length(max=TEXT_MAX)])
    valued = TextAreaField(_l("What did you value most?"), validators=[Optional(), Length(max=TEXT_MAX)])
    reasons = MultiCheckboxField(_l("Why are you leaving? Choose all that apply."), choices=[])
    recommend_score = IntegerField(
        _l("On a scale from 0 to 10, how likely is it that you would recommend us as a place to work?"),
        validators=[Optional(), NumberRange(min=0, max=10, message=_l("Choose a number from 0 to 10."))],
        description=_l("0 = not at all likely, 10 = extremely likely"))
    would_return = RadioField(_l("Would you come back to work with us?"), choices=[], validators=[Optional()])
    alumni_opt_in = BooleanField(_l("Add me to the alumni list, so you can tell me about openings"))
    alumni_email = EmailField(_l("E-mail address for the alumni list"),
                              validators=[Optional(), Email(), Length(max=255)],
                              description=_l("A private address: your work address will be closed."))
    submit = SubmitField(_l("Send my answers"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons.choices = _reason_choices()
        labels = would_return_labels()
        self.would_return.choices = as_choices((w.value, labels[w]) for w in WouldReturn)


class HrNotesForm(BaseForm):
    """HR's notes from an exit conversation and HR's coding of the reasons."""

    hr_notes = TextAreaField(_l("HR's interview notes"), validators=[Optional(), Length(max=20_000)])
    reasons = MultiCheckboxField(_l("Coded reasons"), choices=[])
    submit = SubmitField(_l("Save notes and coding"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reasons.choices = _reason_choices()


class RehireForm(BaseForm):
    """HR's judgement on rehiring an alumnus."""

    rehire = SelectField(_l("Rehire eligibility"), choices=[])
    rehire_note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = rehire_labels()
        self.rehire.choices = as_choices((r.value, labels[r]) for r in RehireEligibility)


class InviteBackForm(BaseForm):
    """Invite the ticked eligible alumni back (the ticks are read by name from the list)."""

    message = TextAreaField(_l("A few words from HR (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Invite the ticked alumni back"))
