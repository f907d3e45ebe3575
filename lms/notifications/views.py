"""The notification centre, opening and marking notifications read, and the e-mail settings."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from . import service
from .forms import NotificationSettingsForm
from .models import Notification
from .permissions import can_view_notification

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PER_PAGE = 30


@bp.record_once
def _register_tasks(state) -> None:
    """The worker knows the tasks and beat runs the digest (no edit of the app factory needed)."""
    from . import tasks

    celery = state.app.extensions["celery"]
    celery.conf.beat_schedule = {**(celery.conf.beat_schedule or {}), **tasks.BEAT_SCHEDULE}


@bp.app_context_processor
def _inject_unread_count():
    def unread_notification_count() -> int:
        """Counted once per request, only when a page asks (the header does when signed in)."""
        if not current_user.is_authenticated:
            return 0
        return service.unread_count_this_request(current_user)

    return {"unread_notification_count": unread_notification_count, "render_notification": service.render}


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 10_000:
        abort(400, _("The page number is out of range."))
    return page


def _load(notification_id: int) -> Notification:
    notification = db.get_or_404(Notification, notification_id)
    if not can_view_notification(current_user, notification):
        abort(404)  # someone else's notification does not exist for you
    return notification


@bp.route("")
@login_required
def index():
    """My notifications, newest first."""
    unread_only = request.args.get("unread") == "1"
    pagination = service.notifications_page(current_user, _page_arg(), PER_PAGE, unread_only=unread_only)
    return render_template(
        "lms/notifications/index.html", pagination=pagination, unread_only=unread_only,
    )


@bp.route("/<int:notification_id>")
@login_required
def open_notification(notification_id: int):
    """Follow a notification: it counts as read, then go where it points."""
    notification = _load(notification_id)
    service.mark_read(notification)
    db.session.commit()
    return redirect(notification.url)


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    service.mark_read(_load(notification_id))
    db.session.commit()
    return redirect(url_for(".index", page=request.form.get("page", 1, type=int)))


@bp.route("/read-all", methods=["POST"])
@login_required
def mark_all_read():
    count = service.mark_all_read(current_user)
    db.session.commit()
    if count:
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for(".index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """How I want notifications by e-mail: immediately, in a daily summary, or not at all."""
    form = NotificationSettingsForm()
    if request.method == "GET":
        form.email_mode.data = service.email_mode(current_user).value
    if form.validate_on_submit():
        service.set_email_mode(current_user, form.email_mode.data)
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for(".settings"))
    return render_template("lms/notifications/settings.html", form=form), 400 if form.is_submitted() else 200
