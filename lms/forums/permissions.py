"""Who may see, post in and moderate forums, threads and posts; usable in templates.

Each forum kind registers its scope: `register_scope("course", can_view=..., can_post=...,
can_moderate=...)`, called with the user and the forum's scope_id. "group" (open groups) is
registered here. A kind nobody registered denies everything. Pre-boarding people see cohort
forums only, whatever a scope says (defence in depth beside the app-wide guard).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterable

from flask import g, has_request_context

from ..people.models import Role, User, utcnow
from .models import Forum, ForumPost, ForumThread

#: authors may edit their own post for this long after writing it
EDIT_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Scope:
    can_view: Callable[[User, int | None], bool]
    can_post: Callable[[User, int | None], bool]
    can_moderate: Callable[[User, int | None], bool]
    #: optional bulk form of can_view: the scope ids the user may see (avoids one check per forum)
    visible_scope_ids: Callable[[User], Iterable[int]] | None = None
    #: optional: the forum's title and description in the reader's language, from its scope
    #: (a cohort's forum is named after its month in every language)
    describe: Callable[[int | None], tuple[str, str] | None] | None = None
    #: optional bulk form of can_moderate: the scope ids the user moderates
    moderated_scope_ids: Callable[[User], Iterable[int]] | None = None


_SCOPES: dict[str, Scope] = {}


def register_scope(kind: str, *, can_view: Callable[[User, int], bool], can_post: Callable[[User, int], bool],
                   can_moderate: Callable[[User, int], bool],
                   visible_scope_ids: Callable[[User], Iterable[int]] | None = None,
                   describe: Callable[[int | None], tuple[str, str] | None] | None = None,
                   moderated_scope_ids: Callable[[User], Iterable[int]] | None = None) -> None:
    """Declare who may see, post in and moderate forums of `kind` (called at import time)."""
    _SCOPES[kind] = Scope(can_view, can_post, can_moderate, visible_scope_ids, describe, moderated_scope_ids)


def scope_for(kind: str) -> Scope | None:
    return _SCOPES.get(kind)


def _usable(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def _cached(name: str, user: User, forum: Forum, compute: Callable[[], bool]) -> bool:
    """Predicates are asked many times per page (every post's buttons): once per request is enough."""
    if not has_request_context():
        return compute()
    cache = g.setdefault("_forum_permissions", {})
    key = (name, user.id, forum.id)
    if key not in cache:
        cache[key] = compute()
    return cache[key]


# --- open groups -------------------------------------------------------------------------------


def is_started_employee(user: User) -> bool:
    """Active and started: their latest spell has begun and not ended."""
    spell = user.current_spell
    return user.is_active and spell is not None and spell.is_current_on(date.today())


def _group_can_view(user: User, _scope_id: int | None) -> bool:
    return is_started_employee(user) or user.has_role(Role.hr, Role.admin)


def _group_can_moderate(user: User, _scope_id: int | None) -> bool:
    return user.has_role(Role.hr, Role.admin)


register_scope("group", can_view=_group_can_view, can_post=_group_can_view, can_moderate=_group_can_moderate)


# --- forums ------------------------------------------------------------------------------------


def can_view_forum(user: User, forum: Forum) -> bool:
    if not _usable(user):
        return False
    scope = _SCOPES.get(forum.kind)
    if scope is None:
        return False
    if forum.kind != "cohort" and user.is_preboarding():
        return False
    return _cached("view", user, forum, lambda: bool(scope.can_view(user, forum.scope_id)))


def can_post_in_forum(user: User, forum: Forum) -> bool:
    """Start threads and reply (where the thread is open)."""
    if not can_view_forum(user, forum):
        return False
    scope = _SCOPES[forum.kind]
    return _cached("post", user, forum, lambda: bool(scope.can_post(user, forum.scope_id)))


def can_moderate_forum(user: User, forum: Forum) -> bool:
    """Edit and remove anyone's posts, lock and pin threads, resolve reports."""
    if not can_view_forum(user, forum):
        return False
    scope = _SCOPES[forum.kind]
    return _cached("moderate", user, forum, lambda: bool(scope.can_moderate(user, forum.scope_id)))


def can_create_group(user: User) -> bool:
    """HR and admins create open groups."""
    return _usable(user) and user.has_role(Role.hr, Role.admin)


def can_edit_forum(user: User, forum: Forum) -> bool:
    """Title and description: moderators of open groups (course and cohort forums follow their owner)."""
    return forum.kind == "group" and can_moderate_forum(user, forum)


def can_subscribe_forum(user: User, forum: Forum) -> bool:
    return can_view_forum(user, forum)


# --- threads and posts -------------------------------------------------------------------------


def can_view_thread(user: User, thread: ForumThread) -> bool:
    return can_view_forum(user, thread.forum)


def can_reply(user: User, thread: ForumThread) -> bool:
    if not can_post_in_forum(user, thread.forum):
        return False
    return not thread.is_locked or can_moderate_forum(user, thread.forum)


def can_moderate_thread(user: User, thread: ForumThread) -> bool:
    """Lock and pin."""
    return can_moderate_forum(user, thread.forum)


def can_edit_post(user: User, post: ForumPost) -> bool:
    """Moderators always; the author while the post is fresh, not removed and the thread open."""
    if post.is_deleted or not can_view_forum(user, post.thread.forum):
        return False
    if can_moderate_forum(user, post.thread.forum):
        return True
    return (
        post.author_id == user.id
        and not post.thread.is_locked
        and utcnow() - post.created_at <= EDIT_WINDOW
        and can_post_in_forum(user, post.thread.forum)
    )


def can_delete_post(user: User, post: ForumPost) -> bool:
    """Remove (softly): the author their own, moderators anyone's."""
    if post.is_deleted or not can_view_forum(user, post.thread.forum):
        return False
    return post.author_id == user.id or can_moderate_forum(user, post.thread.forum)


def can_mark_helpful(user: User, post: ForumPost) -> bool:
    """The thread's author marks someone else's reply as helpful; a moderator any reply."""
    if post.is_first or post.is_deleted or not can_view_forum(user, post.thread.forum):
        return False
    if can_moderate_forum(user, post.thread.forum):
        return True
    return post.thread.author_id == user.id and post.author_id != user.id


def can_report_post(user: User, post: ForumPost) -> bool:
    """Anyone who sees a post may report it, except their own."""
    return not post.is_deleted and post.author_id != user.id and can_view_forum(user, post.thread.forum)


def can_view_reports(user: User) -> bool:
    """The report queue is for people who moderate something: HR and admins, and whoever a scope
    makes a moderator (the queue itself only lists reports of forums they moderate)."""
    return _usable(user) and not user.is_preboarding()
