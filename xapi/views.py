"""The xAPI 1.0.3 HTTP API under /xapi/ (xAPI-Communication part 2)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any, Callable

from flask import Blueprint, Response, current_app, request
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from psycopg.errors import UniqueViolation
from sqlalchemy.exc import IntegrityError
from sqlalchemy import or_, select
from werkzeug.datastructures import Headers, MultiDict

from lms.extensions import csrf, db
from lms.people.models import User
from lms.queue import enqueue

from . import documents as docs, jsonutil
from . import service
from .agents import ifi_key
from .auth import Principal, principal_from_basic
from .attachments import build_multipart, check_attachments, parse_multipart
from .models import Activity, Attachment, Statement
from .tasks import announce_statements
from .service import BadRequest, Conflict, Forbidden, LRSError, Query, iso
from .validation import (
    StatementValidationError,
    is_iri,
    is_uuid,
    parse_iso8601_timestamp,
    validate_agent,
    validate_statements,
)

bp = Blueprint("xapi", __name__, url_prefix="/xapi")
csrf.exempt(bp)

VERSION_RE = re.compile(r"^1\.0(\.\d+)?$")
SUPPORTED_VERSIONS = ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "HEAD, GET, POST, PUT, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Content-Length, If-Match, If-None-Match, "
                                    "X-Experience-API-Version, Accept-Language",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Cache-Control, Content-Type, Content-Length, "
                                     "X-Experience-API-Version, X-Experience-API-Consistent-Through",
    "Access-Control-Max-Age": "86400",
}
ALT_HEADERS = {"authorization", "x-experience-api-version", "content-type", "content-length", "if-match",
               "if-none-match"}


@dataclass
class XRequest:
    """The effective request: the alternate request syntax unwrapped into method, headers, params, body."""

    method: str
    headers: Headers
    args: MultiDict
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @classmethod
    def current(cls) -> XRequest:
        if request.method == "POST" and "method" in request.args:
            if set(request.args) != {"method"}:
                raise BadRequest("alternate request syntax: the query string may hold only 'method'")
            method = request.args["method"].upper()
            if method not in {"GET", "PUT", "POST", "DELETE"}:
                raise BadRequest(f"method: {method!r} is not GET, PUT, POST or DELETE")
            if not request.mimetype == "application/x-www-form-urlencoded":
                raise BadRequest("alternate request syntax: the body must be application/x-www-form-urlencoded")
            # Headers sent as real headers count too (clients and ADL's conformance suite send
            # Authorization and the version that way); form fields of the same name win.
            headers = Headers([(k, v) for k, v in request.headers.items()
                               if k.lower() in ALT_HEADERS and k.lower() not in ("content-type", "content-length")])
            args = MultiDict()
            body = b""
            for key, value in request.form.items(multi=True):
                if key.lower() in ALT_HEADERS:
                    headers[key] = value
                elif key == "content":
                    body = value.encode("utf-8")
                else:
                    args.add(key, value)
            if body and "Content-Type" not in headers:
                headers["Content-Type"] = "application/json"  # the form's Content-Type field is a SHOULD
            return cls(method, headers, args, body)
        return cls(request.method, Headers(request.headers), request.args.copy(), request.get_data(cache=True))


def _json_response(payload: Any, status: int = 200, headers: dict | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json", headers=headers or {})


def _error(status: int, message: str) -> Response:
    return _json_response({"error": message}, status)


def _principal(xr: XRequest) -> Principal | None:
    principal = principal_from_basic(xr.headers.get("Authorization"))
    if principal is not None:
        return principal
    if xr.method == "GET" and getattr(current_user, "is_authenticated", False):
        # A signed-in person may read their own statements from the browser.
        return Principal(
            credential_id=None, name=current_user.full_name, scopes=frozenset({"statements/read/mine"}),
            authority={"objectType": "Agent", "mbox": f"mailto:{current_user.email}"},
            actor_ifi=f"mbox:mailto:{current_user.email}", user_id=current_user.id, is_session_user=True,
        )
    return None


def xapi_endpoint(needs_auth: bool = True, check_version: bool = True):
    """Unwrap the request, check the version header and credentials, turn LRS errors into JSON."""

    def decorator(handler: Callable[[XRequest, Principal | None], Response]):
        def view():
            try:
                xr = XRequest.current()
                if check_version:
                    version = xr.headers.get("X-Experience-API-Version")
                    if version is None:
                        raise BadRequest("X-Experience-API-Version header is missing; send 1.0.3")
                    if not VERSION_RE.match(version.strip()):
                        raise BadRequest(f"X-Experience-API-Version {version!r} is not supported; send 1.0.3")
                principal = _principal(xr) if needs_auth else None
                if needs_auth and principal is None:
                    response = _error(401, "authentication required: HTTP Basic with an LRS key and secret")
                    response.headers["WWW-Authenticate"] = 'Basic realm="Fasthold LRS"'
                    return response
                response = handler(xr, principal)
                db.session.commit()
                return response
            except StatementValidationError as exc:
                db.session.rollback()
                return _error(400, str(exc))
            except LRSError as exc:
                db.session.rollback()
                return _error(exc.status, exc.message)

        view.__name__ = handler.__name__
        view.__doc__ = handler.__doc__
        return view

    return decorator


@bp.after_request
def xapi_headers(response: Response) -> Response:
    response.headers["X-Experience-API-Version"] = "1.0.3"
    if request.path.endswith("/statements"):
        # On every statements response, errors included (XAPI-00153).
        response.headers.setdefault("X-Experience-API-Consistent-Through", _consistent_through())
    for key, value in CORS_HEADERS.items():
        response.headers[key] = value
    # The LRS answers programs, never pages: whatever a document holds, a browser that is made to
    # open it (e.g. by a cross-site form using the alternate syntax) runs nothing and submits nothing.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; frame-ancestors 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# --- parameters ------------------------------------------------------------------------------


def _only(args: MultiDict, allowed: set[str]) -> None:
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise BadRequest(f"unknown parameter(s): {', '.join(unknown)}")


def _bool(args: MultiDict, name: str) -> bool:
    value = args.get(name)
    if value is None:
        return False
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise BadRequest(f"{name}: {value!r} is not true or false")


def _agent_param(args: MultiDict, name: str = "agent", required: bool = False) -> tuple[dict | None, str | None]:
    raw = args.get(name)
    if raw is None:
        if required:
            raise BadRequest(f"{name}: this parameter is required")
        return None, None
    try:
        agent = json.loads(raw)
    except ValueError:
        raise BadRequest(f"{name}: not valid JSON") from None
    validate_agent(agent, name)
    return agent, ifi_key(agent)


def _iri_param(args: MultiDict, name: str, required: bool = False) -> str | None:
    value = args.get(name)
    if value is None:
        if required:
            raise BadRequest(f"{name}: this parameter is required")
        return None
    if not is_iri(value):
        raise BadRequest(f"{name}: {value!r} is not an IRI")
    return value


def _uuid_param(args: MultiDict, name: str) -> str | None:
    value = args.get(name)
    if value is None:
        return None
    if not is_uuid(value):
        raise BadRequest(f"{name}: {value!r} is not a UUID")
    return value.lower()


def _time_param(args: MultiDict, name: str) -> datetime | None:
    value = args.get(name)
    if value is None:
        return None
    try:
        return parse_iso8601_timestamp(value)
    except ValueError:
        raise BadRequest(f"{name}: {value!r} is not an ISO 8601 timestamp with a time zone") from None


def _statements_body(xr: XRequest) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    """The statement JSON and any attachment parts ({sha2: (content type, bytes)})."""
    mimetype = xr.content_type.split(";")[0].strip().lower()
    if mimetype == "multipart/mixed":
        return parse_multipart(xr.content_type, xr.body)
    if mimetype != "application/json":
        raise BadRequest("Content-Type: statements are sent as application/json, or multipart/mixed with attachments")
    try:
        return jsonutil.loads(xr.body), {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest(f"body: not valid JSON ({exc})") from None


def _consistent_through() -> str:
    return iso(datetime.now(timezone.utc))


def _more_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="xapi-more")


# --- statements ------------------------------------------------------------------------------


def _read_restriction(principal: Principal):
    """SQL condition limiting which statements this caller may read, or None for all."""
    if principal.actor_ifi and not principal.is_session_user:
        if not principal.can_read_own_statements:
            raise Forbidden("this credential may not read statements")
        return Statement.actor_ifi == principal.actor_ifi  # a launch credential: only its learner
    if principal.can_read_all_statements:
        return None
    if principal.is_session_user:
        return or_(Statement.user_id == principal.user_id, Statement.actor_ifi == principal.actor_ifi)
    if principal.can("statements/read/mine"):
        return Statement.authority_ifi == ifi_key(principal.authority)
    raise Forbidden("this credential may not read statements")


def _lookup_users(ifis: set[str]) -> dict[str, int]:
    emails = {i[len("mbox:mailto:"):]: i for i in ifis if i.startswith("mbox:mailto:")}
    if not emails:
        return {}
    rows = db.session.execute(select(User.id, User.email).where(service.in_values(User.email, emails)))
    return {emails[email]: uid for uid, email in rows}


MAX_BATCH = 1000


def _check_launch_statements(statements: list[dict], principal: Principal) -> None:
    """A launch credential is handed to third-party content: it may only speak as its learner,
    about its learner, in its registration, and void only its learner's statements."""
    for i, s in enumerate(statements):
        path = f"statement[{i}]" if len(statements) > 1 else "statement"
        for where, agent in (("actor", s.get("actor")), ("object", s.get("object")),
                             ("object.actor", (s.get("object") or {}).get("actor"))):
            if not isinstance(agent, dict) or where == "object" and agent.get("objectType") not in ("Agent", "Group"):
                continue
            if agent.get("objectType") == "Group" or ifi_key(agent) != principal.actor_ifi:
                raise Forbidden(f"{path}.{where}: this launch credential may only record statements by and "
                                "about its own learner")
        registration = (s.get("context") or {}).get("registration")
        if principal.registration and registration and registration.lower() != principal.registration:
            raise Forbidden(f"{path}.context.registration: not the registration this launch was given")
        if s["verb"]["id"] == service.VOIDED_VERB:
            target = db.session.execute(
                select(Statement.actor_ifi).where(Statement.id == str(s["object"].get("id", "")).lower())
            ).scalar_one_or_none()
            if target is not None and target != principal.actor_ifi:
                raise Forbidden(f"{path}.object: this launch credential may only void its learner's statements")


def _store(statements: list[dict], principal: Principal, contents: dict) -> service.StoreResult:
    if not principal.can_write_statements:
        raise Forbidden("this credential may not write statements (scope statements/write)")
    if principal.actor_ifi:
        _check_launch_statements(statements, principal)
    if len(statements) > MAX_BATCH:
        raise BadRequest(f"body: at most {MAX_BATCH} statements per request; send the rest in further requests")
    check_attachments(statements, contents)
    result = service.store_statements(statements, principal.authority, principal.credential_id, _lookup_users,
                                      attachment_contents=contents)
    if result.new_seqs:
        enqueue(announce_statements, result.new_seqs)  # sent only once this request commits
    return result


@bp.route("/statements", methods=["GET", "PUT", "POST", "HEAD"])
@xapi_endpoint()
def statements(xr: XRequest, principal: Principal) -> Response:
    """Store (PUT, POST) and fetch (GET) statements."""
    if xr.method in ("PUT", "POST"):
        # Two clients may send the same new statement id at the same moment: the loser of the
        # race hits the unique index, rolls back and tries again, now finding the winner's
        # statement (same: accepted; different: 409).
        for attempt in range(3):
            try:
                return _write_statements(xr, principal)
            except (IntegrityError, UniqueViolation):
                db.session.rollback()
                if attempt == 2:
                    raise Conflict("statement id: another request stored a statement with this id at the same time")
    return _get_statements(xr, principal)


def _write_statements(xr: XRequest, principal: Principal) -> Response:
    if xr.method == "PUT":
        _only(xr.args, {"statementId"})
        statement_id = xr.args.get("statementId")
        if statement_id is None:
            raise BadRequest("statementId: PUT needs a statementId parameter")
        if not is_uuid(statement_id):
            raise BadRequest(f"statementId: {statement_id!r} is not a UUID")
        payload, contents = _statements_body(xr)
        if not isinstance(payload, dict):
            raise BadRequest("body: PUT takes one statement object")
        if "id" in payload and isinstance(payload["id"], str) and payload["id"].lower() != statement_id.lower():
            raise BadRequest("statement.id: does not match the statementId parameter")
        payload = {**payload, "id": statement_id.lower()}
        validate_statements(payload)
        _store([payload], principal, contents)
        return Response(status=204)
    _only(xr.args, set())
    payload, contents = _statements_body(xr)
    statements_in = validate_statements(payload)
    result = _store(statements_in, principal, contents)
    return _json_response(result.ids)


QUERY_PARAMS = {"agent", "verb", "activity", "registration", "related_activities", "related_agents", "since",
                "until", "limit", "format", "attachments", "ascending"}


def _get_statements(xr: XRequest, principal: Principal) -> Response:
    args = xr.args
    restrict = _read_restriction(principal)
    fmt = args.get("format", "exact")
    if fmt not in ("ids", "exact", "canonical"):
        raise BadRequest(f"format: {fmt!r} is not ids, exact or canonical")
    attachments = _bool(args, "attachments")
    languages = [lang for lang, _q in request.accept_languages] if fmt == "canonical" else []
    headers = {"X-Experience-API-Consistent-Through": _consistent_through()}

    if "statementId" in args or "voidedStatementId" in args:
        if "statementId" in args and "voidedStatementId" in args:
            raise BadRequest("statementId and voidedStatementId cannot be used together")
        _only(args, {"statementId", "voidedStatementId", "format", "attachments"})
        voided = "voidedStatementId" in args
        statement_id = args.get("voidedStatementId" if voided else "statementId")
        if not is_uuid(statement_id):
            raise BadRequest(f"{'voidedStatementId' if voided else 'statementId'}: {statement_id!r} is not a UUID")
        row = service.get_statement(statement_id, voided, restrict)
        headers["Last-Modified"] = format_datetime(row.stored.astimezone(timezone.utc), usegmt=True)
        return _statement_result(service.format_statement(row.data, fmt, languages), [row], attachments, headers)

    if "more" in args:
        _only(args, {"more"})
        try:
            token = _more_serializer().loads(args["more"])
            q = Query.from_token(token["q"])
            fmt = token["fmt"]
        except (BadSignature, KeyError, TypeError, ValueError):
            raise BadRequest("more: this link is not valid; start the query again") from None
    else:
        _only(args, QUERY_PARAMS)
        _agent, agent_key = _agent_param(args)
        limit_raw = args.get("limit", "0")
        if not limit_raw.isdigit():
            raise BadRequest(f"limit: {limit_raw!r} is not a non-negative whole number")
        q = Query(
            agent=agent_key,
            verb=_iri_param(args, "verb"),
            activity=_iri_param(args, "activity"),
            registration=_uuid_param(args, "registration"),
            related_activities=_bool(args, "related_activities"),
            related_agents=_bool(args, "related_agents"),
            since=_time_param(args, "since"),
            until=_time_param(args, "until"),
            limit=int(limit_raw),
            ascending=_bool(args, "ascending"),
        )
    rows, next_query = service.query_statements(q, restrict)
    more = ""
    if next_query is not None:
        token = _more_serializer().dumps({"q": next_query.to_token(), "fmt": fmt})
        more = f"{request.script_root}/xapi/statements?more={token}"
    payload = {"statements": [service.format_statement(r.data, fmt, languages) for r in rows], "more": more}
    return _statement_result(payload, rows, attachments, headers)


def _statement_result(payload: Any, rows: list[Statement], attachments: bool, headers: dict) -> Response:
    """JSON, or with attachments=true multipart/mixed carrying the content the LRS holds."""
    if not attachments:
        return _json_response(payload, headers=headers)
    # Only attachments without fileUrl: their content had to come with the statement itself, so a
    # statement cannot name someone else's hash (with a fileUrl) to read their upload.
    wanted = sorted({
        a["sha2"].lower() for r in rows if r.has_attachments
        for a in r.data.get("attachments") or [] if "fileUrl" not in a
    })
    parts = []
    if wanted:
        for sha2, ctype, content in db.session.execute(
            select(Attachment.sha2, Attachment.content_type, Attachment.content).where(Attachment.sha2.in_(wanted))
        ):
            parts.append((sha2, ctype, content))
    body, content_type = build_multipart(payload, parts)
    return Response(body, status=200, headers={**headers, "Content-Type": content_type})


# --- documents -------------------------------------------------------------------------------


def _document_response(doc) -> Response:
    headers = {}
    if not doc.content_type.split(";")[0].strip().lower().endswith("json"):
        headers["Content-Disposition"] = "attachment"  # never rendered as a page of ours
    return Response(doc.content, status=200, mimetype=None, headers={
        **headers,
        "Content-Type": doc.content_type,
        "ETag": f'"{doc.etag}"',
        "Last-Modified": format_datetime(doc.updated_at.astimezone(timezone.utc), usegmt=True),
    })


def _documents(xr: XRequest, key: docs.DocKey, id_param: str, require_condition: bool) -> Response:
    document_id = xr.args.get(id_param)
    if_match, if_none_match = xr.headers.get("If-Match"), xr.headers.get("If-None-Match")
    if xr.method in ("GET", "HEAD"):
        since = _time_param(xr.args, "since")  # checked even where it does not apply
        if document_id is not None:
            return _document_response(docs.get_document(key, document_id))  # `since` is ignored here
        return _json_response(docs.list_ids(key, since))
    if "since" in xr.args:
        raise BadRequest("since: only for GET")
    if xr.method == "DELETE":
        if document_id is None and key.kind != "state":
            raise BadRequest(f"{id_param}: this parameter is required")
        docs.delete_documents(key, document_id, if_match=if_match, if_none_match=if_none_match)
        return Response(status=204)
    if document_id is None:
        raise BadRequest(f"{id_param}: this parameter is required")
    content_type = xr.content_type or "application/octet-stream"
    if xr.method == "PUT":
        docs.put_document(key, document_id, xr.body, content_type, if_match=if_match, if_none_match=if_none_match,
                          require_condition=require_condition)
    else:
        docs.post_document(key, document_id, xr.body, content_type, if_match=if_match, if_none_match=if_none_match)
    return Response(status=204)


def _check_document_scope(principal: Principal, scope: str, method: str, agent_key: str | None) -> None:
    allowed = principal.can(scope) or (method in ("GET", "HEAD") and principal.can("all/read"))
    if not allowed or principal.is_session_user:
        raise Forbidden(f"this credential may not use this resource (scope {scope})")
    if principal.actor_ifi and agent_key is not None and agent_key != principal.actor_ifi:
        raise Forbidden("agent: this launch credential may only use its learner's documents")


@bp.route("/activities/state", methods=["GET", "PUT", "POST", "DELETE", "HEAD"])
@xapi_endpoint()
def state(xr: XRequest, principal: Principal) -> Response:
    """The State resource: documents per activity, agent and (optional) registration."""
    _only(xr.args, {"activityId", "agent", "registration", "stateId", "since"})
    activity_id = _iri_param(xr.args, "activityId", required=True)
    _agent, agent_key = _agent_param(xr.args, required=True)
    _check_document_scope(principal, "state", xr.method, agent_key)
    registration = _uuid_param(xr.args, "registration") or ""
    key = docs.DocKey("state", activity_id=activity_id, agent_ifi=agent_key, registration=registration)
    return _documents(xr, key, "stateId", require_condition=False)


@bp.route("/activities/profile", methods=["GET", "PUT", "POST", "DELETE", "HEAD"])
@xapi_endpoint()
def activity_profile(xr: XRequest, principal: Principal) -> Response:
    """The Activity Profile resource."""
    _only(xr.args, {"activityId", "profileId", "since"})
    activity_id = _iri_param(xr.args, "activityId", required=True)
    _check_document_scope(principal, "profile", xr.method, None)
    return _documents(xr, docs.DocKey("activity_profile", activity_id=activity_id), "profileId", require_condition=True)


@bp.route("/agents/profile", methods=["GET", "PUT", "POST", "DELETE", "HEAD"])
@xapi_endpoint()
def agent_profile(xr: XRequest, principal: Principal) -> Response:
    """The Agent Profile resource."""
    _only(xr.args, {"agent", "profileId", "since"})
    _agent, agent_key = _agent_param(xr.args, required=True)
    _check_document_scope(principal, "profile", xr.method, agent_key)
    return _documents(xr, docs.DocKey("agent_profile", agent_ifi=agent_key), "profileId", require_condition=True)


@bp.route("/activities", methods=["GET", "HEAD"])
@xapi_endpoint()
def activities(xr: XRequest, principal: Principal) -> Response:
    """The Activities resource: the canonical definition of one activity."""
    _only(xr.args, {"activityId"})
    activity_id = _iri_param(xr.args, "activityId", required=True)
    if xr.method not in ("GET", "HEAD"):
        raise BadRequest("the Activities resource only answers GET")
    if principal.is_session_user or not principal.can("statements/read", "statements/read/mine", "all/read",
                                                          "define", "profile", "state"):
        raise Forbidden("this credential may not read activities")
    row = db.session.get(Activity, activity_id)
    payload: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if row is not None and row.definition:
        payload["definition"] = row.definition
    return _json_response(payload)


@bp.route("/agents", methods=["GET", "HEAD"])
@xapi_endpoint()
def agents(xr: XRequest, principal: Principal) -> Response:
    """The Agents resource: a Person object with every identifier known for the agent."""
    _only(xr.args, {"agent"})
    agent, agent_key = _agent_param(xr.args, required=True)
    if agent.get("objectType") == "Group":
        raise BadRequest("agent: the Agents resource takes an Agent, not a Group")
    if not (principal.is_session_user and agent_key == principal.actor_ifi) and not principal.can(
            "statements/read", "all/read", "profile") and agent_key != principal.actor_ifi:
        raise Forbidden("this credential may not read agents")
    person: dict[str, Any] = {"objectType": "Person"}
    for key in ("name", "mbox", "mbox_sha1sum", "openid", "account"):
        if key in agent:
            person[key] = [agent[key]]
    if agent_key and agent_key.startswith("mbox:mailto:"):
        user = db.session.execute(select(User).where(User.email == agent_key[len("mbox:mailto:"):])).scalar_one_or_none()
        if user is not None and (principal.can_read_all_statements or principal.user_id == user.id):
            names = person.setdefault("name", [])
            if user.full_name not in names:
                names.append(user.full_name)
    return _json_response(person)


@bp.route("/about", methods=["GET", "HEAD"])
@xapi_endpoint(needs_auth=False, check_version=False)
def about(xr: XRequest, principal: Principal | None) -> Response:
    """Which xAPI versions this LRS speaks; open to everyone."""
    return _json_response({"version": SUPPORTED_VERSIONS, "extensions": {}})
