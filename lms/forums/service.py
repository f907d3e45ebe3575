"""Forum domain logic: forums and groups, threads and posts, mentions, subscriptions, helpful
answers, moderation, reports, search. No request objects; add and flush, never commit.

Every post records an xAPI statement in the same transaction (asked for a new thread, responded
for a reply to the thread, commented for a reply to a post), with the thread as object and the
forum as context parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select, union, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from tincan import Activity, ActivityDefinition, Context, ContextActivities, LanguageMap, Result

from xapi.emitter import record
from xapi.vocabulary import ActivityType, Verb

from ..core.pagination import Page, paginate_rows
from ..extensions import db
from ..notifications.service import notify, register_kind
from ..people.models import User, utcnow
from . import permissions
from .models import FORUM_KINDS, Forum, ForumPost, ForumSubscription, ForumThread, PostReport, ThreadSubscription

register_kind("forum.thread", _l("%(actor)s started “%(thread)s” in %(forum)s"))
register_kind("forum.reply", _l("%(actor)s replied to “%(thread)s”"))
register_kind("forum.reply_to_you", _l("%(actor)s answered your post in “%(thread)s”"))
register_kind("forum.mention", _l("%(actor)s mentioned you in “%(thread)s”"))
register_kind("forum.helpful", _l("%(actor)s marked your answer in “%(thread)s” as helpful"))
register_kind("forum.reported", _l("A post in “%(thread)s” was reported: %(reason)s"))

THREADS_PER_PAGE = 20
POSTS_PER_PAGE = 20
TITLE_MAX = 200
BODY_MAX = 20_000
#: at most this many people are notified from one post's @mentions
MENTION_LIMIT = 10


class ForumError(Exception):
    """A rule of the forums was broken; `field` names the form field to show it next to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- paths and activity ids --------------------------------------------------------------------


def _path(endpoint: str, **values) -> str:
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


def thread_path(thread: ForumThread) -> str:
    return _path("forums.thread", thread_id=thread.id)


def post_path(post: ForumPost, per_page: int = POSTS_PER_PAGE) -> str:
    """The thread page the post is on, anchored at the post."""
    page = page_of_post(post, per_page)
    path = _path("forums.thread", thread_id=post.thread_id, page=page if page > 1 else None)
    return f"{path}#post-{post.id}"


def thread_activity_id(thread: ForumThread) -> str:
    return f"{current_app.config['BASE_URL']}/forums/threads/{thread.id}"


def forum_activity_id(forum: Forum) -> str:
    return f"{current_app.config['BASE_URL']}/forums/{forum.id}"


def _record(user: User, verb: tuple[str, str], thread: ForumThread) -> str:
    forum = thread.forum
    context = Context(
        platform="Fasthold",
        context_activities=ContextActivities(parent=[Activity(
            id=forum_activity_id(forum),
            definition=ActivityDefinition(name=LanguageMap({"en-US": forum.title}), type=ActivityType.DISCUSSION),
        )]),
    )
    return record(user, verb, thread_activity_id(thread), activity_name=thread.title,
                  activity_type=ActivityType.FORUM_TOPIC, context=context)


# --- forums ------------------------------------------------------------------------------------


def _clean_title(title: str, field: str = "title") -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ForumError(_l("A title is needed."), field)
    if len(title) > TITLE_MAX:
        raise ForumError(_l("The title is too long."), field)
    return title


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ForumError(_l("Write something first."), "body")
    if len(body) > BODY_MAX:
        raise ForumError(_l("The text is too long."), "body")
    return body


def create_forum(kind: str, *, title: str, scope_id: int | None = None, description: str = "") -> Forum:
    """A new forum. For course and cohort forums there is one per scope: asking again returns it."""
    if kind not in FORUM_KINDS:
        raise ValueError(f"unknown forum kind {kind!r}")
    if (kind == "group") != (scope_id is None):
        raise ValueError("open groups have no scope_id; course and cohort forums need one")
    if scope_id is not None:
        existing = forum_for(kind, scope_id)
        if existing is not None:
            return existing
    title = _clean_title(title)
    if kind == "group":
        _check_group_title(title, None)
    forum = Forum(kind=kind, scope_id=scope_id, title=title, description=(description or "").strip())
    db.session.add(forum)
    db.session.flush()
    return forum


def forum_for(kind: str, scope_id: int) -> Forum | None:
    return db.session.execute(
        select(Forum).where(Forum.kind == kind, Forum.scope_id == scope_id)
    ).scalar_one_or_none()


def _check_group_title(title: str, forum_id: int | None) -> None:
    """Two open groups with the same name would only confuse people."""
    clash = select(Forum.id).where(Forum.kind == "group", func.lower(Forum.title) == title.lower())
    if forum_id is not None:
        clash = clash.where(Forum.id != forum_id)
    if db.session.execute(clash.limit(1)).first() is not None:
        raise ForumError(_l("There is a group with this name already."), "title")


def update_forum(forum: Forum, *, title: str, description: str) -> Forum:
    title = _clean_title(title)
    if forum.kind == "group":
        _check_group_title(title, forum.id)
    forum.title = title
    forum.description = (description or "").strip()
    db.session.flush()
    return forum


def visible_forum_ids(user: User, among=None) -> list[int]:
    """Ids of every forum the user may read, for lists and search (never a forum they may not);
    with `among` (ids or a select of ids), only those of them."""
    query = select(Forum.id, Forum.kind, Forum.scope_id).order_by(Forum.id)
    if among is not None:
        query = query.where(Forum.id.in_(among))
    rows = db.session.execute(query).all()
    ids: list[int] = []
    by_kind: dict[str, list] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for kind, forums in by_kind.items():
        scope = permissions.scope_for(kind)
        if scope is None:
            continue
        if kind != "cohort" and user.is_preboarding():
            continue  # pre-boarding people see their cohort forum and nothing else
        if scope.visible_scope_ids is not None:
            allowed = set(scope.visible_scope_ids(user))
            ids.extend(f.id for f in forums if f.scope_id in allowed)
            continue
        ids.extend(f.id for f in forums if permissions.can_view_forum(user, _ForumRef(f.id, f.kind, f.scope_id)))
    return sorted(ids)


@dataclass(frozen=True)
class _ForumRef:
    """What permission predicates read of a forum, without loading the row."""

    id: int
    kind: str
    scope_id: int | None


@dataclass
class ForumSummary:
    forum: Forum
    thread_count: int
    last_post_at: object
    is_subscribed: bool


def forums_overview(user: User) -> list[ForumSummary]:
    """The forums the user may read with thread counts and last activity: three queries in all."""
    ids = visible_forum_ids(user)
    if not ids:
        return []
    stats = select(
        ForumThread.forum_id, func.count(ForumThread.id).label("threads"), func.max(ForumThread.last_post_at).label("last")
    ).where(ForumThread.forum_id.in_(ids)).group_by(ForumThread.forum_id).subquery()
    rows = db.session.execute(
        select(Forum, stats.c.threads, stats.c.last, ForumSubscription.user_id)
        .outerjoin(stats, stats.c.forum_id == Forum.id)
        .outerjoin(ForumSubscription, and_(ForumSubscription.forum_id == Forum.id, ForumSubscription.user_id == user.id))
        .where(Forum.id.in_(ids))
        .order_by(Forum.kind, Forum.title)
    ).all()
    return [ForumSummary(forum, threads or 0, last, sub is not None) for forum, threads, last, sub in rows]


# --- subscriptions -----------------------------------------------------------------------------


def is_subscribed_forum(user: User, forum: Forum) -> bool:
    return db.session.get(ForumSubscription, (forum.id, user.id)) is not None


def _add_once(row) -> None:
    """Insert a subscription row; one already there (a double click, two tabs) is fine."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        pass


def subscribe_forum(user: User, forum: Forum) -> None:
    if not is_subscribed_forum(user, forum):
        _add_once(ForumSubscription(forum_id=forum.id, user_id=user.id))


def unsubscribe_forum(user: User, forum: Forum) -> None:
    db.session.execute(delete(ForumSubscription).where(
        ForumSubscription.forum_id == forum.id, ForumSubscription.user_id == user.id))


def is_subscribed_thread(user: User, thread: ForumThread) -> bool:
    return db.session.get(ThreadSubscription, (thread.id, user.id)) is not None


def subscribe_thread(user: User, thread: ForumThread) -> None:
    if not is_subscribed_thread(user, thread):
        _add_once(ThreadSubscription(thread_id=thread.id, user_id=user.id))


def unsubscribe_thread(user: User, thread: ForumThread) -> None:
    db.session.execute(delete(ThreadSubscription).where(
        ThreadSubscription.thread_id == thread.id, ThreadSubscription.user_id == user.id))


def member_count(forum: Forum) -> int:
    return db.session.execute(
        select(func.count()).select_from(ForumSubscription).where(ForumSubscription.forum_id == forum.id)
    ).scalar_one()


# --- mentions ----------------------------------------------------------------------------------

_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_MENTION = re.compile(r"(?<![\w@/.])@([a-z0-9](?:[a-z0-9._+-]*[a-z0-9])?)", re.I)


def mention_handle(user: User) -> str:
    """How people @mention someone: the local part of their e-mail address (e.g. @mads.kristensen)."""
    return user.email.split("@", 1)[0]


def mentioned_handles(body: str) -> list[str]:
    """Handles @mentioned in a text, in order, once each; text in code is not a mention."""
    seen: dict[str, None] = {}
    for match in _MENTION.finditer(_CODE.sub(" ", body or "")):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)[:MENTION_LIMIT]


def users_for_handles(handles: Iterable[str]) -> list[User]:
    handles = list(handles)
    if not handles:
        return []
    return list(db.session.execute(
        select(User).where(
            User.is_active.is_(True),
            or_(*[User.email.startswith(h + "@", autoescape=True) for h in handles]),
        ).options(selectinload(User.spells)).order_by(User.id)
    ).scalars())


# --- threads and posts -------------------------------------------------------------------------


def start_thread(forum: Forum, author: User, *, title: str, body: str) -> ForumThread:
    """A new thread with its opening post; the author follows it. Records "asked"."""
    now = utcnow()
    thread = ForumThread(forum=forum, author=author, title=_clean_title(title), created_at=now, last_post_at=now,
                         last_post_author=author, reply_count=0, is_pinned=False, is_locked=False, is_answered=False)
    post = ForumPost(thread=thread, author=author, body=_clean_body(body), is_first=True, created_at=now)
    db.session.add_all([thread, post])
    db.session.flush()
    subscribe_thread(author, thread)
    _record(author, Verb.ASKED, thread)
    told = _notify_mentions(post, author)
    subscribers = db.session.execute(
        select(User).join(ForumSubscription, ForumSubscription.user_id == User.id)
        .where(ForumSubscription.forum_id == forum.id, User.is_active.is_(True))
        .options(selectinload(User.spells))  # the permission check reads them
    ).scalars()
    for person in subscribers:
        if person.id not in told and person.id != author.id and permissions.can_view_forum(person, forum):
            notify(person, "forum.thread", url=thread_path(thread), actor=author, thread=thread.title, forum=forum.title)
    return thread


def reply(thread: ForumThread, author: User, *, body: str, reply_to: ForumPost | None = None) -> ForumPost:
    """A reply to the thread, or to one of its posts. Records "responded" or "commented";
    tells the mentioned, the answered post's author and the thread's followers (once each)."""
    if reply_to is not None and (reply_to.thread_id != thread.id or reply_to.is_deleted):
        raise ForumError(_l("You can only answer a post of this thread."), "body")
    now = utcnow()
    post = ForumPost(thread=thread, author=author, body=_clean_body(body), reply_to=reply_to, created_at=now)
    db.session.add(post)
    thread.reply_count = ForumThread.reply_count + 1
    thread.last_post_at = now
    thread.last_post_author = author
    db.session.flush()
    db.session.refresh(thread, ["reply_count"])
    subscribe_thread(author, thread)
    _record(author, Verb.COMMENTED if reply_to is not None else Verb.RESPONDED, thread)
    path = post_path(post)
    told = _notify_mentions(post, author, path)
    if reply_to is not None and reply_to.author is not None and reply_to.author_id not in told:
        if permissions.can_view_forum(reply_to.author, thread.forum) and notify(
            reply_to.author, "forum.reply_to_you", url=path, actor=author, thread=thread.title
        ):
            told.add(reply_to.author_id)
    followers = db.session.execute(
        select(User).join(ThreadSubscription, ThreadSubscription.user_id == User.id)
        .where(ThreadSubscription.thread_id == thread.id, User.is_active.is_(True))
        .options(selectinload(User.spells))  # the permission check reads them
    ).scalars()
    for person in followers:
        if person.id not in told and permissions.can_view_forum(person, thread.forum):
            notify(person, "forum.reply", url=path, actor=author, thread=thread.title)
    return post


def _notify_mentions(post: ForumPost, author: User, path: str | None = None,
                     skip_handles: set[str] = frozenset()) -> set[int]:
    """Notify people @mentioned in the post who can read its forum; returns their ids."""
    told: set[int] = {author.id}
    forum = post.thread.forum
    handles = [h for h in mentioned_handles(post.body) if h not in skip_handles]
    for person in users_for_handles(handles):
        if person.id in told or not permissions.can_view_forum(person, forum):
            continue  # a mention never tells anyone about a forum they cannot read
        if notify(person, "forum.mention", url=path or post_path(post), actor=author, thread=post.thread.title):
            told.add(person.id)
    return told


def edit_post(post: ForumPost, editor: User, *, body: str, title: str | None = None) -> ForumPost:
    """Change a post's text (and, for the opening post, the thread's title); people @mentioned
    for the first time by the edit are told, those mentioned before are not told again."""
    before = set(mentioned_handles(post.body))
    post.body = _clean_body(body)
    if post.is_first and title is not None:
        post.thread.title = _clean_title(title)
    post.edited_at = utcnow()
    post.edited_by_id = editor.id
    db.session.flush()
    if set(mentioned_handles(post.body)) - before:
        _notify_mentions(post, editor, skip_handles=before)
    return post


def delete_post(post: ForumPost, by: User) -> ForumPost:
    """Remove a post softly: it shows as removed; its open reports are resolved as removed."""
    if post.is_deleted:
        return post
    now = utcnow()
    post.deleted_at = now
    post.deleted_by_id = by.id
    thread = post.thread
    if not post.is_first:
        thread.reply_count = ForumThread.reply_count - 1
    if post.is_helpful:
        post.is_helpful = False
    db.session.flush()
    _refresh_answered(thread)
    db.session.execute(
        update(PostReport).where(PostReport.post_id == post.id, PostReport.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=by.id, resolution="removed")
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(thread, ["reply_count"])
    return post


def _refresh_answered(thread: ForumThread) -> None:
    thread.is_answered = db.session.execute(
        select(func.count()).select_from(ForumPost).where(
            ForumPost.thread_id == thread.id, ForumPost.is_helpful.is_(True), ForumPost.deleted_at.is_(None))
    ).scalar_one() > 0
    db.session.flush()


def set_helpful(post: ForumPost, by: User, helpful: bool) -> ForumPost:
    """Mark or unmark a reply as a helpful answer; its author hears about the mark."""
    if post.is_first:
        raise ForumError(_l("Only replies can be marked as helpful."))
    if post.is_helpful == helpful:
        return post
    post.is_helpful = helpful
    db.session.flush()
    _refresh_answered(post.thread)
    if helpful and post.author is not None and permissions.can_view_forum(post.author, post.thread.forum):
        notify(post.author, "forum.helpful", url=post_path(post), actor=by, thread=post.thread.title)
    if helpful and post.author is not None:
        # The author `received` a helpful mark on the reply (gamification counts these).
        record(post.author, Verb.RECEIVED, f"{current_app.config['BASE_URL']}/forums/posts/{post.id}",
               activity_name=post.thread.title, activity_type=ActivityType.QUESTION_THREAD,
               result=Result(success=True))
    return post


def set_locked(thread: ForumThread, locked: bool) -> None:
    thread.is_locked = locked
    db.session.flush()


def set_pinned(thread: ForumThread, pinned: bool) -> None:
    thread.is_pinned = pinned
    db.session.flush()


# --- reading -----------------------------------------------------------------------------------


def threads_page(forum: Forum, page: int, per_page: int = THREADS_PER_PAGE) -> Page:
    """A forum's threads: pinned first, then by latest activity (ix_forum_threads_forum_pinned_activity)."""
    query = (
        select(ForumThread)
        .where(ForumThread.forum_id == forum.id)
        .options(joinedload(ForumThread.author), joinedload(ForumThread.last_post_author))
        .order_by(ForumThread.is_pinned.desc(), ForumThread.last_post_at.desc(), ForumThread.id.desc())
    )
    result = paginate_rows(query, page, per_page)
    result.items = [row[0] for row in result.items]
    return result


def posts_page(thread: ForumThread, page: int, per_page: int = POSTS_PER_PAGE) -> Page:
    """A thread's posts in order, with authors and answered posts loaded up front."""
    query = (
        select(ForumPost)
        .where(ForumPost.thread_id == thread.id)
        .options(joinedload(ForumPost.author), selectinload(ForumPost.reply_to).joinedload(ForumPost.author))
        .order_by(ForumPost.id)
    )
    result = paginate_rows(query, page, per_page)
    result.items = [row[0] for row in result.items]
    return result


def page_of_post(post: ForumPost, per_page: int = POSTS_PER_PAGE) -> int:
    before = db.session.execute(
        select(func.count()).select_from(ForumPost).where(ForumPost.thread_id == post.thread_id, ForumPost.id < post.id)
    ).scalar_one()
    return before // per_page + 1


def _like(q: str) -> str:
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_posts(user: User, q: str, *, forum: Forum | None = None, page: int = 1, per_page: int = 20) -> Page:
    """Posts (and thread titles) containing `q`, newest first, only in forums the user may read.

    Rows are (post, thread, forum). Removed posts are never found.
    """
    q = " ".join((q or "").split())[:100]
    if forum is not None:
        ids = [forum.id] if permissions.can_view_forum(user, forum) else []
    else:
        ids = visible_forum_ids(user)
    if not q or not ids:
        return Page(page=1, per_page=per_page, total=0, items=[])
    pattern = _like(q)
    query = (
        select(ForumPost, ForumThread, Forum)
        .join(ForumThread, ForumThread.id == ForumPost.thread_id)
        .join(Forum, Forum.id == ForumThread.forum_id)
        .where(
            ForumThread.forum_id.in_(ids),
            ForumPost.deleted_at.is_(None),
            or_(func.lower(ForumPost.body).like(pattern, escape="\\"),
                and_(ForumPost.is_first.is_(True), func.lower(ForumThread.title).like(pattern, escape="\\"))),
        )
        .options(joinedload(ForumPost.author))
        .order_by(ForumPost.created_at.desc(), ForumPost.id.desc())
    )
    return paginate_rows(query, page, per_page)


# --- reports -----------------------------------------------------------------------------------


def report_post(post: ForumPost, reporter: User, reason: str) -> PostReport:
    reason = (reason or "").strip()
    if not reason:
        raise ForumError(_l("Say briefly what is wrong with the post."), "reason")
    if len(reason) > 2000:
        raise ForumError(_l("The text is too long."), "reason")
    existing = db.session.execute(
        select(PostReport).where(PostReport.post_id == post.id, PostReport.reporter_id == reporter.id)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.resolved_at is None:
            raise ForumError(_l("You have reported this post already; the moderators will look at it."), "reason")
        # reported again after a moderator looked: open it again with the new reason
        existing.reason, existing.created_at = reason, utcnow()
        existing.resolved_at = existing.resolved_by_id = existing.resolution = None
        db.session.flush()
        _notify_moderators(existing)
        return existing
    report = PostReport(post=post, reporter=reporter, reason=reason)
    db.session.add(report)
    db.session.flush()
    _notify_moderators(report)
    return report


def forum_moderators(forum: Forum) -> list[User]:
    """Active people who moderate `forum`: HR and admins, and for a course forum its authors
    (the candidates hold one of those roles; the forum's scope decides)."""
    from ..people.models import Role, UserRole

    candidates = db.session.execute(
        select(User).join(UserRole, UserRole.user_id == User.id)
        .where(User.is_active.is_(True), UserRole.role.in_([Role.hr, Role.admin, Role.author]))
        .distinct().order_by(User.id)
    ).scalars()
    return [u for u in candidates if permissions.can_moderate_forum(u, forum)]


def _notify_moderators(report: PostReport) -> None:
    """Tell the forum's moderators that a post waits for them (the reporter is not told of their own report)."""
    thread = report.post.thread
    excerpt = report.reason if len(report.reason) <= 140 else report.reason[:139] + "…"
    for moderator in forum_moderators(thread.forum):
        if moderator.id != report.reporter_id:
            notify(moderator, "forum.reported", url=_path("forums.reports"), thread=thread.title, reason=excerpt)


def open_reports(user: User) -> list[PostReport]:
    """Open reports of posts in forums the user moderates, oldest first."""
    reports = db.session.execute(
        select(PostReport).where(PostReport.resolved_at.is_(None))
        .options(joinedload(PostReport.reporter),
                 joinedload(PostReport.post).joinedload(ForumPost.author),
                 joinedload(PostReport.post).joinedload(ForumPost.thread).joinedload(ForumThread.forum))
        .order_by(PostReport.created_at, PostReport.id)
        .limit(500)
    ).scalars().all()
    return [r for r in reports if permissions.can_moderate_forum(user, r.post.thread.forum)]


def resolve_report(report: PostReport, by: User, resolution: str) -> PostReport:
    """A moderator removes the post ("removed") or finds nothing wrong ("dismissed")."""
    if resolution not in ("removed", "dismissed"):
        raise ValueError(f"unknown resolution {resolution!r}")
    if report.resolved_at is not None:
        return report
    if resolution == "removed":
        delete_post(report.post, by)  # resolves every open report of the post
        db.session.refresh(report)
    else:
        report.resolved_at, report.resolved_by_id, report.resolution = utcnow(), by.id, "dismissed"
        db.session.flush()
    return report


def moderates_anything(user: User) -> bool:
    """Whether the report queue is worth showing to the user."""
    by_kind: dict[str, list[Forum]] = {}
    for forum in _forums_by_ids(visible_forum_ids(user)):
        by_kind.setdefault(forum.kind, []).append(forum)
    for kind, forums in by_kind.items():
        scope = permissions.scope_for(kind)
        if scope is not None and scope.moderated_scope_ids is not None:
            moderated = set(scope.moderated_scope_ids(user))  # one query instead of one per forum
            if any(f.scope_id in moderated for f in forums):
                return True
        elif any(permissions.can_moderate_forum(user, f) for f in forums):
            return True
    return False


def _forums_by_ids(ids: list[int]) -> list[Forum]:
    if not ids:
        return []
    return list(db.session.execute(select(Forum).where(Forum.id.in_(ids))).scalars())


# --- dashboard ---------------------------------------------------------------------------------


def recent_activity(user: User, limit: int = 5) -> list[ForumThread]:
    """Latest threads in the forums the user follows or threads they follow, still readable."""
    followed_forums = select(ForumSubscription.forum_id).where(ForumSubscription.user_id == user.id)
    followed_threads = select(ThreadSubscription.thread_id).where(ThreadSubscription.user_id == user.id)
    # Permissions are checked for the few forums followed, not for every forum there is.
    ids = visible_forum_ids(user, among=union(
        followed_forums, select(ForumThread.forum_id).where(ForumThread.id.in_(followed_threads))))
    if not ids:
        return []
    return list(db.session.execute(
        select(ForumThread)
        .where(ForumThread.forum_id.in_(ids),
               or_(ForumThread.forum_id.in_(followed_forums), ForumThread.id.in_(followed_threads)))
        .options(joinedload(ForumThread.forum), joinedload(ForumThread.last_post_author))
        .order_by(ForumThread.last_post_at.desc(), ForumThread.id.desc())
        .limit(limit)
    ).scalars())


def dashboard_summary(user: User) -> dict:
    """For templates/lms/forums/_dashboard.html: recent forum activity and unread notifications
    (their count comes from the per-request `unread_notification_count()` the navigation uses)."""
    from ..notifications.service import recent_unread

    return {"threads": recent_activity(user), "unread": recent_unread(user)}
