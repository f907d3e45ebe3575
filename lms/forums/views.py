"""Forum pages: the forums I can read, groups, threads, replies, moderation, reports and search."""

from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.dashboard import register_panel
from ..extensions import db
from ..notifications import service as notifications
from . import permissions, service
from .forms import EditPostForm, GroupForm, ReplyForm, ReportForm, ThreadForm
from .models import Forum, ForumPost, ForumThread, PostReport

bp = Blueprint("forums", __name__, url_prefix="/forums")

# The unread count is part of the cache key: a new or newly read notification shows at once.
register_panel("forums", "lms/forums/_dashboard.html",
               lambda user, today: {"forum_summary": service.dashboard_summary(user)}, order=40,
               live_key=notifications.unread_count_this_request)


@bp.app_context_processor
def _template_helpers():
    return {"forum_perm": permissions, "mention_handle": service.mention_handle, "forum_post_path": service.post_path}


# --- helpers -----------------------------------------------------------------------------------


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int)
    if page < 1 or page > 10_000:
        abort(400, _("The page number is out of range."))
    return page


def _check(allowed: bool) -> None:
    if not allowed:
        abort(403)


def _load_forum(forum_id: int) -> Forum:
    forum = db.get_or_404(Forum, forum_id)
    _check(permissions.can_view_forum(current_user, forum))
    return forum


def _load_thread(thread_id: int) -> ForumThread:
    thread = db.get_or_404(ForumThread, thread_id)
    _check(permissions.can_view_thread(current_user, thread))
    return thread


def _load_post(post_id: int) -> ForumPost:
    post = db.get_or_404(ForumPost, post_id)
    _check(permissions.can_view_thread(current_user, post.thread))
    return post


def _submit(form, action: Callable, message, target: Callable):
    """Validate and act; commit, flash and redirect on success, or show the error by its field."""
    if not form.validate_on_submit():
        return None
    try:
        result = action()
    except service.ForumError as exc:
        db.session.rollback()
        field = getattr(form, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = list(field.errors) + [str(exc.message)]
        else:
            flash(str(exc.message), "error")
        return None
    db.session.commit()
    if message:
        flash(message, "success")
    return redirect(target(result))


def _render(template: str, form, **context):
    return render_template(template, form=form, **context), 400 if form.is_submitted() else 200


def _flag() -> bool:
    """The on/off value of a toggle form; anything but "1" or "0" is a bad request."""
    value = request.form.get("on")
    if value not in ("0", "1"):
        abort(400, _("Say on or off."))
    return value == "1"


# --- forums ------------------------------------------------------------------------------------


@bp.route("")
@login_required
def index():
    """Every forum I may read: open groups, my courses' and my cohort's forums."""
    overview = service.forums_overview(current_user)
    moderates = service.moderates_anything(current_user)
    return render_template(
        "lms/forums/index.html",
        groups=[s for s in overview if s.forum.kind == "group"],
        # Cohorts and the course forums I follow as cards; every other course forum I may read
        # as a compact list (a learner may read the forums of all 200 published courses).
        others=[s for s in overview if s.forum.kind != "group" and (s.is_subscribed or s.forum.kind == "cohort")],
        more=[s for s in overview if s.forum.kind != "group" and not (s.is_subscribed or s.forum.kind == "cohort")],
        moderates=moderates,
        open_reports=len(service.open_reports(current_user)) if moderates else 0,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@login_required
def group_new():
    """HR creates an open group (mentors, a topic) that people join."""
    _check(permissions.can_create_group(current_user))
    form = GroupForm()
    done = _submit(
        form,
        lambda: service.create_forum("group", title=form.title.data, description=form.description.data or ""),
        _("The group is open. People can now find and join it."),
        lambda forum: url_for(".forum", forum_id=forum.id),
    )
    return done or _render("lms/forums/group_form.html", form, forum=None)


@bp.route("/<int:forum_id>/edit", methods=["GET", "POST"])
@login_required
def group_edit(forum_id: int):
    forum = _load_forum(forum_id)
    _check(permissions.can_edit_forum(current_user, forum))
    form = GroupForm(obj=forum)
    done = _submit(
        form,
        lambda: service.update_forum(forum, title=form.title.data, description=form.description.data or ""),
        _("Saved."),
        lambda forum: url_for(".forum", forum_id=forum.id),
    )
    return done or _render("lms/forums/group_form.html", form, forum=forum)


@bp.route("/<int:forum_id>")
@login_required
def forum(forum_id: int):
    """A forum's threads, pinned first, then the most recently active."""
    forum = _load_forum(forum_id)
    pagination = service.threads_page(forum, _page_arg())
    return render_template(
        "lms/forums/forum.html", forum=forum, pagination=pagination,
        is_subscribed=service.is_subscribed_forum(current_user, forum),
        members=service.member_count(forum) if forum.kind == "group" else None,
    )


@bp.route("/<int:forum_id>/subscription", methods=["POST"])
@login_required
def forum_subscription(forum_id: int):
    """Join or leave a group; follow or unfollow another forum (told about new threads)."""
    forum = _load_forum(forum_id)
    _check(permissions.can_subscribe_forum(current_user, forum))
    if _flag():
        service.subscribe_forum(current_user, forum)
        message = _("You joined the group.") if forum.kind == "group" else _("You follow this forum.")
    else:
        service.unsubscribe_forum(current_user, forum)
        message = _("You left the group.") if forum.kind == "group" else _("You no longer follow this forum.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".forum", forum_id=forum.id))


@bp.route("/<int:forum_id>/threads/new", methods=["GET", "POST"])
@login_required
def thread_new(forum_id: int):
    forum = _load_forum(forum_id)
    _check(permissions.can_post_in_forum(current_user, forum))
    form = ThreadForm()
    done = _submit(
        form,
        lambda: service.start_thread(forum, current_user, title=form.title.data, body=form.body.data),
        _("Your thread is posted. You will be told about replies."),
        lambda thread: url_for(".thread", thread_id=thread.id),
    )
    return done or _render("lms/forums/thread_form.html", form, forum=forum)


@bp.route("/search")
@login_required
def search():
    """Search posts in one forum (forum=id) or in every forum I may read."""
    q = " ".join(request.args.get("q", "").split())[:100]
    forum = None
    forum_id = request.args.get("forum", type=int)
    if forum_id is not None:
        forum = _load_forum(forum_id)
    pagination = service.search_posts(current_user, q, forum=forum, page=_page_arg())
    return render_template("lms/forums/search.html", q=q, forum=forum, pagination=pagination)


# --- threads -----------------------------------------------------------------------------------


@bp.route("/threads/<int:thread_id>")
@login_required
def thread(thread_id: int):
    """A thread's posts, paged, with the reply form; reading it reads its notifications too."""
    thread = _load_thread(thread_id)
    page = _page_arg()
    # before loading the page: the commit expires what the session holds
    if notifications.mark_read_for_path(current_user, service.thread_path(thread)):
        db.session.commit()
    pagination = service.posts_page(thread, page)
    form = ReplyForm()
    answering = _answered_post(thread, request.args.get("reply_to", type=int))
    if answering is not None:
        form.reply_to.data = str(answering.id)
    return render_template(
        "lms/forums/thread.html", thread=thread, forum=thread.forum, pagination=pagination, form=form,
        answering=answering, is_subscribed=service.is_subscribed_thread(current_user, thread),
    )


def _answered_post(thread: ForumThread, post_id: int | None) -> ForumPost | None:
    """The post a reply answers, if it is a visible post of this thread."""
    post = db.session.get(ForumPost, post_id) if post_id else None
    return post if post is not None and post.thread_id == thread.id and not post.is_deleted else None


@bp.route("/threads/<int:thread_id>/reply", methods=["POST"])
@login_required
def thread_reply(thread_id: int):
    thread = _load_thread(thread_id)
    _check(permissions.can_reply(current_user, thread))
    form = ReplyForm()
    reply_to = None
    if form.reply_to.data:
        if not form.reply_to.data.isdigit():
            abort(400, _("The post you answer is not valid."))
        reply_to = db.session.get(ForumPost, int(form.reply_to.data))
        if reply_to is None or reply_to.thread_id != thread.id:
            abort(400, _("The post you answer is not in this thread."))
    done = _submit(
        form,
        lambda: service.reply(thread, current_user, body=form.body.data, reply_to=reply_to),
        None,
        lambda post: service.post_path(post),
    )
    if done:
        return done
    pagination = service.posts_page(thread, 10_000)  # the last page, where the form is
    return render_template(
        "lms/forums/thread.html", thread=thread, forum=thread.forum, pagination=pagination, form=form,
        answering=_answered_post(thread, reply_to.id if reply_to else None),
        is_subscribed=service.is_subscribed_thread(current_user, thread),
    ), 400


@bp.route("/threads/<int:thread_id>/subscription", methods=["POST"])
@login_required
def thread_subscription(thread_id: int):
    thread = _load_thread(thread_id)
    if _flag():
        service.subscribe_thread(current_user, thread)
        message = _("You follow this thread and will be told about replies.")
    else:
        service.unsubscribe_thread(current_user, thread)
        message = _("You no longer follow this thread.")
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".thread", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/lock", methods=["POST"])
@login_required
def thread_lock(thread_id: int):
    thread = _load_thread(thread_id)
    _check(permissions.can_moderate_thread(current_user, thread))
    locked = _flag()
    service.set_locked(thread, locked)
    db.session.commit()
    flash(_("The thread is locked: no new replies.") if locked else _("The thread is open for replies again."), "success")
    return redirect(url_for(".thread", thread_id=thread.id))


@bp.route("/threads/<int:thread_id>/pin", methods=["POST"])
@login_required
def thread_pin(thread_id: int):
    thread = _load_thread(thread_id)
    _check(permissions.can_moderate_thread(current_user, thread))
    pinned = _flag()
    service.set_pinned(thread, pinned)
    db.session.commit()
    flash(_("The thread is pinned to the top of the forum.") if pinned else _("The thread is no longer pinned."), "success")
    return redirect(url_for(".thread", thread_id=thread.id))


# --- posts -------------------------------------------------------------------------------------


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def post_edit(post_id: int):
    post = _load_post(post_id)
    _check(permissions.can_edit_post(current_user, post))
    form = EditPostForm(obj=post)
    if request.method == "GET" and post.is_first:
        form.title.data = post.thread.title
    done = _submit(
        form,
        lambda: service.edit_post(post, current_user, body=form.body.data,
                                  title=form.title.data if post.is_first else None),
        _("Saved."),
        lambda post: service.post_path(post),
    )
    return done or _render("lms/forums/post_edit.html", form, post=post, thread=post.thread)


@bp.route("/posts/<int:post_id>/delete", methods=["POST"])
@login_required
def post_delete(post_id: int):
    post = _load_post(post_id)
    _check(permissions.can_delete_post(current_user, post))
    service.delete_post(post, current_user)
    db.session.commit()
    flash(_("The post is removed."), "success")
    return redirect(service.post_path(post))


@bp.route("/posts/<int:post_id>/helpful", methods=["POST"])
@login_required
def post_helpful(post_id: int):
    post = _load_post(post_id)
    _check(permissions.can_mark_helpful(current_user, post))
    service.set_helpful(post, current_user, _flag())
    db.session.commit()
    return redirect(service.post_path(post))


@bp.route("/posts/<int:post_id>/report", methods=["GET", "POST"])
@login_required
def post_report(post_id: int):
    post = _load_post(post_id)
    _check(permissions.can_report_post(current_user, post))
    form = ReportForm()
    done = _submit(
        form,
        lambda: service.report_post(post, current_user, form.reason.data),
        _("Thank you. The moderators will look at the post."),
        lambda report: service.post_path(post),
    )
    return done or _render("lms/forums/report_form.html", form, post=post, thread=post.thread)


# --- moderation queue --------------------------------------------------------------------------


@bp.route("/reports")
@login_required
def reports():
    """Open reports of posts in the forums I moderate."""
    _check(permissions.can_view_reports(current_user))
    return render_template("lms/forums/reports.html", reports=service.open_reports(current_user))


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@login_required
def report_resolve(report_id: int):
    report = db.get_or_404(PostReport, report_id)
    _check(permissions.can_moderate_forum(current_user, report.post.thread.forum))
    resolution = request.form.get("resolution")
    if resolution not in ("removed", "dismissed"):
        abort(400, _("Choose to remove the post or to dismiss the report."))
    service.resolve_report(report, current_user, resolution)
    db.session.commit()
    flash(_("The post is removed.") if resolution == "removed" else _("The report is dismissed."), "success")
    return redirect(url_for(".reports"))
