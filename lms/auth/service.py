"""Passwords, login throttling and password-reset tokens; no Flask request objects here."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select

from ..extensions import db
from ..people.models import LoginAttempt, User
from ..people.service import ValidationError, get_user_by_email, normalise_email

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
MIN_PASSWORD_LENGTH = 10
#: failures from one address across all accounts before that address is paused
MAX_FAILURES_PER_IP = 50
# A fixed hash verified when the e-mail is unknown, so timing does not reveal who has an account.
_DUMMY_HASH = _hasher.hash("fasthold-timing-equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_strength(password: str, user: User | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "password")
    if len(password) > 1024:
        raise ValidationError(_l("Use at most 1024 characters."), "password")
    if user is not None and password.strip().lower() in {user.email, user.email.split("@")[0]}:
        raise ValidationError(_l("Do not use your e-mail address as password."), "password")


def set_password(user: User, password: str) -> None:
    check_password_strength(password, user)
    user.password_hash = hash_password(password)
    user.password_changed_at = datetime.now(timezone.utc)
    user.must_change_password = False
    db.session.flush()


def set_one_time_password(user: User) -> str:
    """Give the person a random password they must replace at first sign-in; returns it."""
    password = secrets.token_urlsafe(12)
    user.password_hash = hash_password(password)
    user.password_changed_at = datetime.now(timezone.utc)
    user.must_change_password = True
    db.session.flush()
    return password


def verify_password(user: User | None, password: str) -> bool:
    """True when the password matches; upgrades an outdated hash in place."""
    if user is None or not user.password_hash:
        try:
            _hasher.verify(_DUMMY_HASH, password)
        except VerificationError:
            pass
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


class Throttled(Exception):
    """Too many recent failures; `minutes` until the next attempt may succeed."""

    def __init__(self, minutes: int):
        super().__init__(minutes)
        self.minutes = minutes


def _window() -> tuple[datetime, int]:
    minutes = current_app.config["LOGIN_THROTTLE_MINUTES"]
    return datetime.now(timezone.utc) - timedelta(minutes=minutes), minutes


def check_throttle(email: str, ip_address: str, including_current: bool = False) -> None:
    """Raise Throttled when the account or the address has failed too often lately.

    `including_current`: the caller's own attempt is already counted, so the limit is one higher.
    """
    since, minutes = _window()
    email = normalise_email(email)
    failures = db.session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.email == email, LoginAttempt.at >= since, LoginAttempt.is_success.is_(False)
        )
    ).one()
    ip_failures = db.session.execute(
        select(func.count()).where(
            LoginAttempt.ip_address == ip_address, LoginAttempt.at >= since, LoginAttempt.is_success.is_(False)
        )
    ).scalar_one()
    extra = 1 if including_current else 0
    if failures[0] >= current_app.config["LOGIN_MAX_FAILURES"] + extra or ip_failures >= MAX_FAILURES_PER_IP + extra:
        raise Throttled(minutes)


def authenticate(email: str, password: str, ip_address: str) -> User | None:
    """Check the password under throttling. Raises Throttled. Commits.

    The attempt is recorded as a failure and committed *before* the password is checked, so
    parallel guesses each see the others: the count cannot be raced past the limit.
    """
    email = normalise_email(email)[:254]
    check_throttle(email, ip_address)
    attempt = LoginAttempt(email=email, ip_address=ip_address[:45], is_success=False)
    db.session.add(attempt)
    db.session.commit()
    check_throttle(email, ip_address, including_current=True)
    user = get_user_by_email(email)
    ok = verify_password(user, password) and user is not None and user.is_active
    if ok:
        clear_failures(user.email)
        db.session.add(LoginAttempt(email=email, ip_address=ip_address[:45], is_success=True))
        user.last_login_at = datetime.now(timezone.utc)
    db.session.commit()
    return user if ok else None


def clear_failures(email: str) -> None:
    """Forget an account's failed sign-ins (after a success or a password reset)."""
    db.session.execute(
        delete(LoginAttempt)
        .where(LoginAttempt.email == normalise_email(email), LoginAttempt.is_success.is_(False))
        .execution_options(synchronize_session="fetch")
    )


def prune_login_attempts(older_than_days: int = 30) -> int:
    cutoff = datetime.now(timezone.utc) - timedelta(days=older_than_days)
    result = db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < cutoff))
    return result.rowcount or 0


# --- password reset --------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="fasthold-password-reset")


def _password_stamp(user: User) -> str:
    return user.password_changed_at.isoformat() if user.password_changed_at else "never"


def make_reset_token(user: User) -> str:
    """A signed, expiring token that dies as soon as the password changes."""
    return _serializer().dumps({"uid": user.id, "stamp": _password_stamp(user)})


def user_for_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_MINUTES"] * 60
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.is_active or data.get("stamp") != _password_stamp(user):
        return None
    return user
