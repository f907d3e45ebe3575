"""Gamification pages: my points, badges and certificates; leaderboards; HR's rules and badges.
And the public Open Badges endpoints and verification pages (no sign-in)."""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.core.dashboard import register_panel
from lms.extensions import db
from lms.people.models import User
from lms.people.views import _page, _page_arg, _submit, require

from . import badges as badge_service
from . import openbadges, openbadges3, service
from .certificates import certificate_pdf, verification_url
from .forms import AwardForm, BadgeForm, ProfileForm, RevokeForm, RuleForm
from .models import BadgeAward, BadgeClass, Certificate, PointsRule
from .permissions import can_download_certificate, can_export_credential, can_manage_gamification

bp = Blueprint("gamification", __name__, url_prefix="/gamification")
public_bp = Blueprint("badges", __name__)


def _dashboard(user, today) -> dict | None:
    return service.dashboard_context(user, today)


# Not cached: points arrive from the statement stream (Celery) after the request that earned them.
register_panel("gamification", "gamification/_dashboard.html", _dashboard, order=50, cached=False)


@bp.app_context_processor
def _templates():
    return {"can_manage_gamification": can_manage_gamification, "can_export_credential": can_export_credential}


# --- my points, badges and certificates -------------------------------------------------------


@bp.route("/")
@login_required
def me():
    """My points (week, month, all time) and their history, badges, certificates and choices."""
    profile = service.profile_of(current_user)
    form = ProfileForm(obj=profile)
    return _me_page(form, profile)


def _me_page(form, profile, status: int = 200):
    today = date.today()
    return render_template(
        "gamification/me.html", form=form, profile=profile, points=service.points_of(current_user, today),
        entries=service.history(current_user, _page_arg()), awards=service.awards_of(current_user),
        certificates=service.certificates_of(current_user), verify_url=openbadges.verify_url,
    ), status


@bp.route("/profile", methods=["POST"])
@login_required
def save_profile():
    """Save what my public profile shows and whether I am on leaderboards."""
    form = ProfileForm()
    done = _submit(form, lambda: service.save_profile(current_user, **{k: form.data[k] for k in (
        "is_hidden_from_boards", "is_public", "shows_points", "shows_badges", "shows_certificates")}),
        _("Your choices are saved."), url_for("gamification.me"))
    return done or _me_page(form, service.profile_of(current_user), 400)


@bp.route("/people/<key>")
def public_profile(key: str):
    """A person's public profile, by its unguessable link; only what they chose to show."""
    profile = service.public_profile(key[:64])
    if profile is None:
        abort(404)
    user = profile.user
    return render_template(
        "gamification/public_profile.html", profile=profile, person=user,
        points=service.points_of(user, date.today()) if profile.shows_points else None,
        awards=service.awards_of(user, include_revoked=False) if profile.shows_badges else [],
        certificates=service.certificates_of(user) if profile.shows_certificates else [],
        verify_url=openbadges.verify_url,
    )


@bp.route("/certificates/<int:certificate_id>.pdf")
@login_required
def certificate_download(certificate_id: int):
    """The certificate as PDF, in the holder's language."""
    certificate = db.get_or_404(Certificate, certificate_id)
    if not can_download_certificate(current_user, certificate):
        abort(404)
    pdf = certificate_pdf(certificate, certificate.user.preferred_language)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{certificate.uid[:8]}.pdf"'})


# --- leaderboards -----------------------------------------------------------------------------


@bp.route("/leaderboards")
@login_required
def leaderboards():
    """People, teams or departments for this week, this month or all time."""
    kind = request.args.get("board", "people")
    period = request.args.get("period", "week")
    if kind not in service.BOARDS or period not in service.PERIODS:
        abort(400, _("Unknown board or period."))
    board = service.board(current_user, kind, period, date.today())
    return render_template("gamification/leaderboards.html", board=board, kind=kind, period=period,
                           boards=service.BOARD_LABELS, periods=service.PERIOD_LABELS,
                           hidden=service.profile_of(current_user).is_hidden_from_boards)


# --- HR: rules and badges ---------------------------------------------------------------------


@bp.route("/admin/rules", methods=["GET", "POST"])
@require(can_manage_gamification)
def rules():
    """Points rules: the list, and a form for a new one."""
    form = RuleForm()
    done = _submit(form, lambda: service.save_rule(None, **_rule_values(form)), _("The rule is saved."),
                   url_for("gamification.rules"))
    return done or _page("gamification/rules.html", form, rules=service.rules(), known=_known_iris())


def _rule_values(form) -> dict:
    return {k: form.data[k] for k in ("name", "verb_id", "activity_type", "points", "daily_cap", "is_active")}


def _known_iris() -> dict:
    from xapi.vocabulary import ALL_VERBS, ActivityType

    return {"verbs": sorted(ALL_VERBS), "types": sorted({v for k, v in vars(ActivityType).items() if k.isupper()})}


@bp.route("/admin/rules/<int:rule_id>", methods=["GET", "POST"])
@require(can_manage_gamification)
def rule_edit(rule_id: int):
    """Change a rule (from now on; the ledger keeps what was earned)."""
    rule = db.get_or_404(PointsRule, rule_id)
    form = RuleForm(obj=rule)
    done = _submit(form, lambda: service.save_rule(rule, **_rule_values(form)), _("The rule is saved."),
                   url_for("gamification.rules"))
    return done or _page("gamification/rule_form.html", form, rule=rule, known=_known_iris())


@bp.route("/admin/badges")
@require(can_manage_gamification)
def badge_list():
    """Every badge with how many hold it."""
    counts = dict(db.session.execute(
        select(BadgeAward.badge_id, func.count()).where(BadgeAward.revoked_at.is_(None))
        .group_by(BadgeAward.badge_id)).tuples().all())
    rows = list(db.session.execute(select(BadgeClass).order_by(BadgeClass.is_active.desc(), BadgeClass.name)).scalars())
    return render_template("gamification/badges.html", badges=rows, counts=counts, labels=badge_service.RULE_LABELS)


def _badge_values(form) -> dict:
    upload = form.image.data
    return {
        "name": form.name.data, "description": form.description.data, "criteria": form.criteria.data,
        "rule_kind": form.rule_kind.data, "rule_param": form.rule_param.data, "rule_count": form.rule_count.data,
        "is_active": form.is_active.data, "image": upload.read() if upload and hasattr(upload, "read") else None,
    }


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@require(can_manage_gamification)
def badge_new():
    """Define a badge; people who already meet its rule get it on the next catch-up."""
    form = BadgeForm()
    done = _submit(form, lambda: badge_service.save_badge(None, **_badge_values(form)), _("The badge is saved."),
                   lambda b: url_for("gamification.badge_detail", badge_id=b.id))
    return done or _page("gamification/badge_form.html", form, badge=None)


@bp.route("/admin/badges/<int:badge_id>", methods=["GET", "POST"])
@require(can_manage_gamification)
def badge_detail(badge_id: int):
    """A badge: change it, award it by hand, see and revoke its awards."""
    badge = db.get_or_404(BadgeClass, badge_id)
    form = _badge_form(badge)
    if request.method == "POST":
        done = _submit(form, lambda: badge_service.save_badge(badge, **_badge_values(form)), _("The badge is saved."),
                       url_for("gamification.badge_detail", badge_id=badge.id))
        if done:
            return done
    return _badge_page(badge, form, AwardForm(formdata=None), 400 if request.method == "POST" else 200)


def _badge_form(badge: BadgeClass, **kwargs) -> BadgeForm:
    form = BadgeForm(obj=badge, **kwargs)
    if not form.is_submitted() or kwargs.get("formdata", True) is None:
        form.rule_kind.data = badge.rule_kind.value  # the enum's value, not str(enum)
    return form


def _badge_page(badge, form, award_form, status=200):
    awards = list(db.session.execute(
        select(BadgeAward).where(BadgeAward.badge_id == badge.id).order_by(BadgeAward.issued_at.desc()).limit(200)
    ).scalars())
    return render_template("gamification/badge_detail.html", badge=badge, form=form, award_form=award_form,
                           revoke_form=RevokeForm(formdata=None), awards=awards,
                           label=badge_service.RULE_LABELS[badge.rule_kind], verify_url=openbadges.verify_url), status


@bp.route("/admin/badges/<int:badge_id>/award", methods=["POST"])
@require(can_manage_gamification)
def badge_award(badge_id: int):
    """HR awards the badge by hand, with a reason."""
    badge = db.get_or_404(BadgeClass, badge_id)
    form = AwardForm()

    def award():
        person = db.session.execute(
            select(User).where(User.email == (form.email.data or "").strip().lower())).scalar_one_or_none()
        if person is None or not person.is_active:
            raise badge_service.ValidationError(_("Nobody active has this e-mail address."), "email")
        return badge_service.award_by_hand(badge, person, current_user, form.reason.data)

    done = _submit(form, award, _("The badge is awarded."), url_for("gamification.badge_detail", badge_id=badge.id))
    return done or _badge_page(badge, _badge_form(badge, formdata=None), form, 400)


@bp.route("/admin/awards/<int:award_id>/revoke", methods=["POST"])
@require(can_manage_gamification)
def award_revoke(award_id: int):
    """HR revokes an award, with a reason; the assertion then says revoked."""
    award = db.get_or_404(BadgeAward, award_id)
    form = RevokeForm()
    done = _submit(form, lambda: badge_service.revoke_award(award, current_user, form.reason.data),
                   _("The badge is revoked."), url_for("gamification.badge_detail", badge_id=award.badge_id))
    if done:
        return done
    abort(400, _("Say why the badge is revoked."))


# --- public: Open Badges and verification -------------------------------------------------------


def _jsonld(data: dict, status: int = 200) -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), status=status,
                        mimetype="application/ld+json")
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch from other origins
    return response


@public_bp.route("/badges/issuer")
def issuer():
    """The Issuer Profile (Open Badges 2.0)."""
    return _jsonld(openbadges.issuer_json())


@public_bp.route("/badges/revocations")
def revocations():
    """The revocation list (Open Badges 2.0)."""
    return _jsonld(openbadges.revocation_list_json())


def _public_badge(badge_id: int) -> BadgeClass:
    """A badge as the world may see it: one in use, or one somebody holds (its assertions link
    here). A draft or retired badge nobody was given stays private, whatever its id (the people
    who manage badges still see it)."""
    badge = db.get_or_404(BadgeClass, badge_id)
    if not badge.is_active and not can_manage_gamification(current_user) and db.session.execute(
        select(BadgeAward.id).where(BadgeAward.badge_id == badge.id).limit(1)
    ).first() is None:
        abort(404)
    return badge


@public_bp.route("/badges/<int:badge_id>")
def badge_class(badge_id: int):
    """The BadgeClass (Open Badges 2.0)."""
    return _jsonld(openbadges.badge_class_json(_public_badge(badge_id)))


@public_bp.route("/badges/<int:badge_id>/image")
def badge_image(badge_id: int):
    badge = _public_badge(badge_id)
    return Response(badge.image, mimetype="image/png", headers={"Cache-Control": "public, max-age=3600"})


@public_bp.route("/badges/<int:badge_id>/criteria")
def badge_criteria(badge_id: int):
    """The badge's criteria in words, for people following the BadgeClass's criteria link."""
    return render_template("gamification/criteria.html", badge=_public_badge(badge_id))


def _award(uid: str) -> BadgeAward:
    return db.one_or_404(select(BadgeAward).where(BadgeAward.uid == uid[:32]))


@public_bp.route("/badges/assertions/<uid>")
def assertion(uid: str):
    """The hosted Assertion; 410 Gone (still with the JSON, saying why) once revoked."""
    award = _award(uid)
    return _jsonld(openbadges.assertion_json(award), 410 if award.is_revoked else 200)


@public_bp.route("/badges/assertions/<uid>/image")
def assertion_image(uid: str):
    """The badge image baked with this assertion (to keep, or to upload to a backpack)."""
    award = _award(uid)
    if award.is_revoked:
        abort(410)
    return Response(openbadges.bake(award.badge.image, award), mimetype="image/png", headers={
        "Content-Disposition": f'attachment; filename="badge-{award.uid[:8]}.png"'})


@public_bp.route("/badges/assertions/<uid>/verify")
def assertion_verify(uid: str):
    """Whether the badge is valid, whose it is, who issued it and when."""
    award = _award(uid)
    return render_template("gamification/verify.html", award=award, issuer=openbadges.issuer_json(),
                           assertion_url=openbadges.assertion_url(award))


# --- public: Open Badges 3.0 -------------------------------------------------------------------


def _json(data: dict, status: int = 200, mimetype: str = "application/json") -> Response:
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), status=status, mimetype=mimetype)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@public_bp.route("/badges/assertions/<uid>/credential.jwt")
def assertion_credential(uid: str):
    """The award as a signed Open Badges 3.0 credential (VC-JWT), for its holder to keep or put
    in a wallet; for others only while the holder's public profile shows badges."""
    award = _award(uid)
    if not can_export_credential(current_user, award):
        abort(404)
    return Response(openbadges3.sign(award), mimetype=openbadges3.MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="badge-{award.uid[:8]}.jwt"', "Cache-Control": "no-store"})


@public_bp.route("/badges/ob3/issuer")
def ob3_issuer():
    """The issuer Profile (Open Badges 3.0)."""
    return _json(openbadges3.issuer_profile(), mimetype="application/ld+json")


@public_bp.route("/badges/ob3/jwks.json")
def ob3_jwks():
    """The public keys credentials are signed with (a JWK Set), past keys included."""
    return _json(openbadges3.jwks(), mimetype="application/jwk-set+json")


@public_bp.route("/badges/ob3/keys/<thumbprint>")
def ob3_key(thumbprint: str):
    """One public key as a JWK: what a credential's `kid` dereferences to."""
    key = openbadges3.key_by_thumbprint(thumbprint[:64])
    if key is None:
        abort(404)
    return _json(key.public_jwk(), mimetype="application/jwk+json")


@public_bp.route("/badges/ob3/revocations")
def ob3_revocations():
    """The 1EdTech revocation list every credential's `credentialStatus` names."""
    return _json(openbadges3.revocation_list())


@public_bp.route("/badges/verify-credential", methods=["GET", "POST"])
def verify_credential():
    """Check a presented Open Badges 3.0 credential (a JWT, pasted or as a file): signed by this
    platform, untampered, and not revoked (JSON in, JSON out with the form's CSRF token; other
    programs verify on their own with the public keys and the revocation list)."""
    result, token = None, ""
    if request.method == "POST":
        if request.is_json:
            token = str((request.get_json(silent=True) or {}).get("credential") or "")
        else:
            upload = request.files.get("file")
            token = upload.read(65536).decode("utf-8", "replace") if upload else request.form.get("credential", "")
        result = openbadges3.verify(token[:65536])
        if request.is_json or request.accept_mimetypes.best == "application/json":
            return _json(result.as_json())
    return render_template("gamification/verify_credential.html", result=result, token=token,
                           issuer=openbadges.issuer_json())


@public_bp.route("/certificates/<uid>")
def certificate_verify(uid: str):
    """A certificate's verification page (the QR code's target)."""
    certificate = db.one_or_404(select(Certificate).where(Certificate.uid == uid[:32]))
    return render_template("gamification/certificate_verify.html", certificate=certificate,
                           url=verification_url(certificate))
