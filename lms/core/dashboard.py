"""The home page's panels: each module registers what it shows there, so the host page does not
import the modules (courses, forums, onboarding, and later plans and gamification).

A rendered panel is kept for DASHBOARD_CACHE_SECONDS (60 by default, 0 turns it off; off in tests
unless a test turns it on) in Redis when DASHBOARD_CACHE_URL names one (shared by every server
process), otherwise in a small cache of each server process; keyed by the person, the day,
the language, the panel's own live key if it has one (the forums panel's is the unread count the
header shows anyway) and a version kept in the person's session. Every request of the person that
writes to the database gives the session a new version, so whatever the person just did shows on
their next page, whichever server process answers it. Changes made by others (a manager's
assignment, a reply in a followed thread) show within the TTL.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Hashable

from flask import Flask, current_app, g, has_request_context, render_template, session
from markupsafe import Markup

#: the session key holding the person's dashboard version
VERSION_KEY = "_dash_v"
#: rendered panels kept per server process (a few KB each)
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class Panel:
    """A partial template and the function that gives its context (None: nothing to show)."""

    name: str
    template: str
    context: Callable[..., dict | None]
    #: lower comes first on the page
    order: int = 50
    #: False: always computed (figures that change without the person doing anything)
    cached: bool = True
    #: a cheap value that is part of the cache key: when it changes, the panel is computed again
    live_key: Callable[[Any], Hashable] | None = None


_PANELS: dict[str, Panel] = {}


def register_panel(name: str, template: str, context: Callable[..., dict | None], order: int = 50, *,
                   cached: bool = True, live_key: Callable[[Any], Hashable] | None = None) -> None:
    """Show `template` on the home page with `context(user, today)`; registering again replaces."""
    _PANELS[name] = Panel(name, template, context, order, cached, live_key)
    _ordered.clear()


_ordered: list[Panel] = []


def _panels() -> list[Panel]:
    if not _ordered:
        _ordered.extend(sorted(_PANELS.values(), key=lambda p: (p.order, p.name)))
    return _ordered


class PanelCache:
    """A thread-safe LRU of rendered panels in this process, with an expiry time each.
    `get` answers (found, html); html None means the panel had nothing to show."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self.max_entries = max_entries
        self._data: OrderedDict[Hashable, tuple[float, Markup | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bool, Markup | None]:
        now = time.monotonic()
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                return False, None
            if entry[0] <= now:
                del self._data[key]
                return False, None
            self._data.move_to_end(key)
            return True, entry[1]

    def set(self, key: Hashable, value: Markup | None, ttl: float) -> None:
        with self._lock:
            self._data[key] = (time.monotonic() + ttl, value)
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


class RedisPanelCache:
    """The same, in Redis, so every server process (and machine) shares it. Redis trouble is a
    miss, never an error page: the panel is then computed as without a cache."""

    #: stored for a panel that had nothing to show
    EMPTY = b"\x00"

    def __init__(self, url: str, prefix: str = "fasthold:panel:"):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self.prefix = prefix

    def _key(self, key: Hashable) -> str:
        return self.prefix + hashlib.sha1(repr(key).encode()).hexdigest()

    def get(self, key: Hashable) -> tuple[bool, Markup | None]:
        from redis import RedisError

        try:
            raw = self.client.get(self._key(key))
        except RedisError:
            return False, None
        if raw is None:
            return False, None
        return True, None if raw == self.EMPTY else Markup(raw.decode())

    def set(self, key: Hashable, value: Markup | None, ttl: float) -> None:
        from redis import RedisError

        try:
            self.client.set(self._key(key), self.EMPTY if value is None else str(value).encode(),
                            ex=max(1, int(ttl)))
        except RedisError:
            pass

    def clear(self) -> None:
        from redis import RedisError

        try:
            for name in self.client.scan_iter(self.prefix + "*", count=1000):
                self.client.delete(name)
        except RedisError:
            pass


def panel_cache(app: Flask | None = None) -> PanelCache | RedisPanelCache:
    return (app or current_app).extensions["fasthold_panel_cache"]


def dashboard_version() -> str:
    """This session's dashboard version (one is given to a session that has none)."""
    version = session.get(VERSION_KEY)
    if version is None:
        version = session[VERSION_KEY] = secrets.token_hex(6)
    return version


def bump_version() -> None:
    """What this person sees on the home page changed: their cached panels are not used again."""
    session[VERSION_KEY] = secrets.token_hex(6)


def render_panels(user, today: date) -> list[Markup]:
    """The rendered panels this person has something in, in page order."""
    ttl = current_app.config.get("DASHBOARD_CACHE_SECONDS", 0)
    cache = panel_cache() if ttl else None
    if cache is not None:
        from flask_babel import get_locale

        base = (user.get_id(), dashboard_version(), today, str(get_locale()))
    out = []
    for panel in _panels():
        key = None
        if cache is not None and panel.cached:
            key = (panel.name, base, panel.live_key(user) if panel.live_key else None)
            found, html = cache.get(key)
            if found:
                if html is not None:
                    out.append(html)
                continue
        context = panel.context(user, today)
        html = Markup(render_template(panel.template, today=today, **context)) if context else None
        if key is not None:
            cache.set(key, html, ttl)
        if html is not None:
            out.append(html)
    return out


_WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")


def _note_write(conn, cursor, statement: str, parameters, context, executemany) -> None:
    if has_request_context() and statement.lstrip()[:6].upper().startswith(_WRITES):
        g.fasthold_wrote = True


def init_app(app: Flask, engine) -> None:
    """Give the app its panel cache, and a new dashboard version to every request that writes."""
    from flask_login import current_user
    from sqlalchemy import event

    url = app.config.get("DASHBOARD_CACHE_URL")
    app.extensions["fasthold_panel_cache"] = RedisPanelCache(url) if url else PanelCache()
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)

    @app.after_request
    def _bump_after_write(response):
        if g.pop("fasthold_wrote", False) and current_user.is_authenticated:
            bump_version()
        return response
