"""Badges: definitions, their machine rules evaluated on facts from the stream, awarding (by the
rules or by HR with a reason), revoking with a reason, and a generated default image."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import uuid
from collections import defaultdict
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.service import notify, notify_many, register_kind
from lms.people.models import User, utcnow
from lms.people.service import ValidationError
from xapi.emitter import record_statement
from xapi.vocabulary import ActivityType, Verb

from .models import BadgeAward, BadgeClass, FactKind, LearningWeek, RuleKind, StreamFact

register_kind("gamification.badge_earned", _l("You earned the badge “%(badge)s”."))
register_kind("gamification.badge_revoked", _l("Your badge “%(badge)s” was revoked: %(reason)s"))

RULE_LABELS = {
    RuleKind.manual: _l("Awarded by HR only"),
    RuleKind.course: _l("Complete a given course"),
    RuleKind.category: _l("Complete N courses in a category"),
    RuleKind.onboarding: _l("Finish onboarding by day 90"),
    RuleKind.helpful_answers: _l("N forum answers marked helpful"),
    RuleKind.first_goal: _l("Reach a first development-plan goal"),
    RuleKind.mentor_sessions: _l("N mentoring sessions as a mentor"),
    RuleKind.learning_streak: _l("Learn in N consecutive weeks"),
}
#: rules that need a count N
COUNTED = {RuleKind.category, RuleKind.helpful_answers, RuleKind.mentor_sessions, RuleKind.learning_streak}
MAX_IMAGE_BYTES = 512 * 1024


def badge_iri(badge: BadgeClass) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/badges/{badge.id}"


def course_iri_of(course_id: int) -> str:
    return f"{current_app.config['BASE_URL'].rstrip('/')}/courses/{course_id}"


# --- definitions ------------------------------------------------------------------------------


def check_image(data: bytes) -> bytes:
    """An uploaded badge image as PNG (Open Badges bakes PNGs): any raster image Pillow reads,
    squared and at most 400 px."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationError(_l("The image must be smaller than 512 KB."), "image")
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img = img.convert("RGBA")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValidationError(_l("Upload a PNG, JPEG or GIF image."), "image") from None
    img.thumbnail((400, 400))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


_PALETTE = ["#1f6f8b", "#99a8b2", "#2d6a4f", "#9d4edd", "#c05621", "#2b6cb0", "#b83280", "#4a5568"]


def default_image(name: str) -> bytes:
    """A round PNG with the badge's initials, its colour taken from the name."""
    size = 256
    colour = _PALETTE[int(hashlib.sha256(name.encode()).hexdigest(), 16) % len(_PALETTE)]
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(img)
    draw.ellipse((8, 8, size - 8, size - 8), fill=colour, outline="#ffffff", width=10)
    initials = "".join(w[0] for w in re.findall(r"\w+", name)[:2]).upper() or "★"
    try:
        font = ImageFont.truetype("DejaVuSans-Bold.ttf", 96)
    except OSError:
        font = ImageFont.load_default(size=96)
    draw.text((size / 2, size / 2), initials, fill="#ffffff", font=font, anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def save_badge(badge: BadgeClass | None, *, name: str, description: str, criteria: str, rule_kind: RuleKind | str,
               rule_param: str | None = None, rule_count: int | None = None, image: bytes | None = None,
               is_active: bool = True) -> BadgeClass:
    """Create or change a badge definition; checks that the rule has what it needs."""
    rule_kind = RuleKind(rule_kind)
    name, rule_param = name.strip(), (rule_param or "").strip() or None
    if not name:
        raise ValidationError(_l("Give the badge a name."), "name")
    if not criteria.strip():
        raise ValidationError(_l("Say in words what earns the badge."), "criteria")
    if rule_kind in COUNTED and (rule_count is None or rule_count < 1):
        raise ValidationError(_l("This rule needs a number of at least 1."), "rule_count")
    if rule_kind == RuleKind.course:
        from lms.courses.models import Course

        if not rule_param or not rule_param.isdigit() or db.session.get(Course, int(rule_param)) is None:
            raise ValidationError(_l("Choose the course."), "rule_param")
    if rule_kind == RuleKind.category and not rule_param:
        raise ValidationError(_l("Name the course category."), "rule_param")
    if badge is None:
        badge = BadgeClass(name=name, description="", criteria="", rule_kind=rule_kind, image=b"")
        db.session.add(badge)
    badge.name, badge.description, badge.criteria = name, description.strip(), criteria.strip()
    badge.rule_kind, badge.is_active = rule_kind, is_active
    badge.rule_param = rule_param if rule_kind in (RuleKind.course, RuleKind.category) else None
    badge.rule_count = rule_count if rule_kind in COUNTED else None
    if image:
        badge.image = check_image(image)
    elif not badge.image:
        badge.image = default_image(name)
    db.session.flush()
    return badge


# --- evaluating the rules ---------------------------------------------------------------------


def longest_streak(weeks: list[date]) -> int:
    """The longest run of consecutive weeks (Mondays) in the list."""
    best = run = 0
    previous = None
    for week in sorted(set(weeks)):
        run = run + 1 if previous is not None and week - previous == timedelta(days=7) else 1
        best, previous = max(best, run), week
    return best


def _categories(course_iris: set[str]) -> dict[str, str]:
    """The category of each built-in course among these IRIs, casefolded (a small lookup in lms.courses)."""
    from lms.courses.models import Course

    base = current_app.config["BASE_URL"].rstrip("/") + "/courses/"
    ids = {int(i[len(base):]): i for i in course_iris if i.startswith(base) and i[len(base):].isdigit()}
    if not ids:
        return {}
    return {ids[cid]: (cat or "").casefold() for cid, cat in db.session.execute(
        select(Course.id, Course.category).where(Course.id.in_(ids))).tuples()}


def evaluate_badges(user_ids) -> list[BadgeAward]:
    """Award every active rule badge these people now meet and do not have (revoked stays
    revoked). Idempotent: a second run awards nothing."""
    user_ids = sorted(set(user_ids))
    badges = list(db.session.execute(
        select(BadgeClass).where(BadgeClass.is_active.is_(True), BadgeClass.rule_kind != RuleKind.manual)
        .order_by(BadgeClass.id)).scalars())
    if not badges or not user_ids:
        return []
    awarded = []
    for start in range(0, len(user_ids), 500):
        chunk = user_ids[start:start + 500]
        have = set(db.session.execute(
            select(BadgeAward.user_id, BadgeAward.badge_id).where(BadgeAward.user_id.in_(chunk))).tuples().all())
        facts: dict[int, dict[FactKind, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for user_id, kind, object_id, seq in db.session.execute(
            select(StreamFact.user_id, StreamFact.kind, StreamFact.object_id, StreamFact.statement_seq)
            .where(StreamFact.user_id.in_(chunk))
        ).tuples().all():
            facts[user_id][kind][object_id] = seq
        weeks: dict[int, list[date]] = defaultdict(list)
        if any(b.rule_kind == RuleKind.learning_streak for b in badges):
            for user_id, week in db.session.execute(
                select(LearningWeek.user_id, LearningWeek.week_on).where(LearningWeek.user_id.in_(chunk))
            ).tuples().all():
                weeks[user_id].append(week)
        categories = {}
        if any(b.rule_kind == RuleKind.category for b in badges):
            categories = _categories({i for f in facts.values() for i in f[FactKind.course_completed]})
        due = []
        for user_id in chunk:
            for badge in badges:
                if (user_id, badge.id) in have:
                    continue
                met, seq = _meets(badge, facts[user_id], weeks[user_id], categories)
                if met:
                    due.append((badge, user_id, seq))
        if due:
            users = {u.id: u for u in db.session.execute(
                select(User).where(User.id.in_({u for _b, u, _s in due}), User.is_active.is_(True))).scalars()}
            earned: list[dict] = []
            notices: list[tuple] = []
            awarded += [award_badge(badge, users[user_id], statement_seq=seq, is_new=True, statements=earned,
                                    notifications=notices)
                        for badge, user_id, seq in due if user_id in users]
            db.session.flush()  # the chunk's awards in one INSERT (the unique key guards against a race)
            notify_many(notices)
            if earned:
                record_statement(earned, user_ids={f"mbox:mailto:{u.email}": u.id for u in users.values()})
    return awarded


def _meets(badge: BadgeClass, facts, weeks: list[date], categories: dict[str, str]) -> tuple[bool, int | None]:
    """Whether the facts meet the badge's rule, and the seq of the statement that met it."""
    def enough(seqs: list[int], n: int) -> tuple[bool, int | None]:
        seqs = sorted(seqs)
        return (True, seqs[n - 1]) if len(seqs) >= n else (False, None)

    kind, n = badge.rule_kind, badge.rule_count or 1
    if kind == RuleKind.course:
        seq = facts[FactKind.course_completed].get(course_iri_of(int(badge.rule_param)))
        return seq is not None, seq
    if kind == RuleKind.category:
        wanted = (badge.rule_param or "").casefold()  # `categories` holds casefolded names
        return enough([s for i, s in facts[FactKind.course_completed].items() if categories.get(i) == wanted], n)
    if kind == RuleKind.onboarding:
        return enough(list(facts[FactKind.onboarding_by_day_90].values()), 1)
    if kind == RuleKind.helpful_answers:
        return enough(list(facts[FactKind.helpful_answer].values()), n)
    if kind == RuleKind.first_goal:
        return enough(list(facts[FactKind.goal_completed].values()), 1)
    if kind == RuleKind.mentor_sessions:
        return enough(list(facts[FactKind.mentored_session].values()), n)
    if kind == RuleKind.learning_streak:
        return longest_streak(weeks) >= n, None
    return False, None


# --- awarding and revoking --------------------------------------------------------------------


def recipient_hash(email: str, salt: str) -> str:
    """Open Badges' hashed identity: sha256$ and the hex SHA-256 of the e-mail and the salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def earned_statement(badge: BadgeClass, user: User) -> dict:
    """The `earned` statement of an award (as xapi.emitter.record writes it, for a batch)."""
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": user.full_name, "mbox": f"mailto:{user.email}"},
        "verb": {"id": Verb.EARNED[0], "display": {"en-US": Verb.EARNED[1]}},
        "object": {"objectType": "Activity", "id": badge_iri(badge),
                   "definition": {"name": {"en-US": badge.name}, "type": ActivityType.BADGE}},
    }


def award_badge(badge: BadgeClass, user: User, *, by: User | None = None, reason: str | None = None,
                statement_seq: int | None = None, is_new: bool = False,
                statements: list[dict] | None = None, notifications: list[tuple] | None = None) -> BadgeAward:
    """Award the badge once: record `earned` and tell the person. `is_new`: the caller has just
    checked that there is no award (the unique key still guards against a race); `statements`
    and `notifications`: collect the `earned` statement and the notification there for the
    caller to flush, record and send in one batch."""
    existing = None if is_new else db.session.execute(
        select(BadgeAward).where(BadgeAward.badge_id == badge.id, BadgeAward.user_id == user.id)).scalar_one_or_none()
    if existing is not None:
        if by is not None:
            raise ValidationError(_l("This person has had this badge already (see its award)."), "email")
        return existing
    salt = secrets.token_hex(8)
    award = BadgeAward(uid=secrets.token_hex(16), badge=badge, user=user, salt=salt,
                       recipient_hash=recipient_hash(user.email, salt), statement_seq=statement_seq,
                       awarded_by=by, reason=(reason or "").strip() or None, issued_at=utcnow())
    db.session.add(award)
    if notifications is None:
        db.session.flush()
    if statements is not None:
        statements.append(earned_statement(badge, user))
    else:
        record_statement(earned_statement(badge, user), user_ids={f"mbox:mailto:{user.email}": user.id})
    notice = (user, "gamification.badge_earned", f"/badges/assertions/{award.uid}/verify", {"badge": badge.name})
    if notifications is not None:
        notifications.append(notice)
    else:
        notify(notice[0], notice[1], url=notice[2], **notice[3])
    return award


def award_by_hand(badge: BadgeClass, user: User, by: User, reason: str) -> BadgeAward:
    """HR awards a badge to someone, with a reason (shown as the assertion's narrative)."""
    if not (reason or "").strip():
        raise ValidationError(_l("Say why the badge is awarded."), "reason")
    if not badge.is_active:
        raise ValidationError(_l("This badge is retired."))
    return award_badge(badge, user, by=by, reason=reason)


def revoke_award(award: BadgeAward, by: User, reason: str) -> BadgeAward:
    """Revoke an award with a reason: the assertion then says revoked and joins the revocation list."""
    if not (reason or "").strip():
        raise ValidationError(_l("Say why the badge is revoked."), "reason")
    if award.is_revoked:
        raise ValidationError(_l("This badge is revoked already."))
    award.revoked_at, award.revoked_by_id, award.revocation_reason = utcnow(), by.id, reason.strip()
    db.session.flush()
    notify(award.user, "gamification.badge_revoked", url="/gamification/me", badge=award.badge.name,
           reason=award.revocation_reason)
    return award
