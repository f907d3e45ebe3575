"""Sign-in and password forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..core.forms import BaseForm
from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from .service import MIN_PASSWORD_LENGTH


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class NewPasswordMixin:
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024)],
        description=_l("At least %(n)d characters. A short sentence is easy to remember.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords do not match."))],
    )


class ResetPasswordForm(NewPasswordMixin, BaseForm):
    submit = SubmitField(_l("Set new password"))


class ChangePasswordForm(NewPasswordMixin, BaseForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField(_l("Change password"))
