"""Sign in, sign out, forgotten and changed passwords."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..people.service import ValidationError, normalise_email
from ..queue import enqueue
from .forms import ChangePasswordForm, ForgotPasswordForm, LoginForm, ResetPasswordForm
from .service import Throttled, authenticate, clear_failures, set_password, user_for_reset_token, verify_password
from .tasks import send_password_reset_email

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes home (no open redirect).

    Browsers ignore tabs and newlines in URLs and treat a backslash like a slash, so those make
    a path unsafe too ("/\t/evil.example" is "//evil.example" to a browser).
    """
    if (
        target
        and target.startswith("/")
        and not any(c in target for c in "\\\t\r\n")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("core.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The sign-in form, throttled against repeated failures."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data, request.remote_addr or "unknown")
        except Throttled as exc:
            db.session.commit()
            form.email.errors.append(
                _("Too many failed attempts. Wait %(n)d minutes or reset your password.", n=exc.minutes)
            )
            status = 429
        else:
            if user is None:
                form.password.errors.append(_("The e-mail address or password is wrong."))
                status = 401
            else:
                session.clear()  # a fresh session on every sign-in
                login_user(user, remember=form.remember.data)
                return redirect(safe_next(request.args.get("next")))
    elif form.is_submitted():
        status = 400
    return render_template("lms/auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST with CSRF, so a link elsewhere cannot sign someone out)."""
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # The same work whether or not the address has an account: the worker looks it up,
        # so neither the answer nor its timing tells who is registered.
        enqueue(send_password_reset_email, normalise_email(form.email.data))
        db.session.commit()
        flash(
            _("If %(email)s belongs to an account, a reset link is on its way. It is valid for %(n)d minutes.",
              email=form.email.data, n=current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"]),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("lms/auth/forgot.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Set a new password from an e-mailed link; the link works once."""
    user = user_for_reset_token(token)
    if user is None:
        flash(_("This reset link has expired or was already used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            set_password(user, form.password.data)
        except ValidationError as exc:
            form.password.errors.append(str(exc.message))
        else:
            clear_failures(user.email)  # the lockout message sends people here
            db.session.commit()
            flash(_("Your password is changed. Sign in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("lms/auth/reset.html", form=form), 400 if form.is_submitted() else 200


@bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password, confirming the current one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data):
            form.current.errors.append(_("This is not your current password."))
        else:
            try:
                set_password(current_user, form.password.data)
            except ValidationError as exc:
                form.password.errors.append(str(exc.message))
            else:
                db.session.commit()
                # The session id carries the password stamp: other sessions end, this one is renewed.
                login_user(current_user._get_current_object())
                flash(_("Your password is changed."), "success")
                return redirect(url_for("core.profile"))
    return render_template("lms/auth/change_password.html", form=form), 400 if form.is_submitted() else 200


_ALLOWED_WHILE_TEMPORARY = {"auth.change_password", "auth.logout", "core.set_language", "static", "core.healthz"}


@bp.before_app_request
def require_own_password():
    """Someone signed in with a one-time password may only choose their own (a redirect, no write)."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in _ALLOWED_WHILE_TEMPORARY
    ):
        return redirect(url_for("auth.change_password"))
    return None
