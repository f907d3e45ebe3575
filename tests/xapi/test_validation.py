"""xapi.validation: one valid Statement using every property, valid variations of it, and a table
of single mutations that must each be rejected with the JSON path of the offending value.

Rules come from xAPI 1.0.3 xAPI-Data.md and the ADL LRS conformance suite's 1.0.3 cases."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone

import pytest

from xapi.validation import (
    StatementValidationError,
    is_iri,
    is_iso8601_duration,
    is_language_tag,
    is_uuid,
    parse_iso8601_timestamp,
    validate_activity_id,
    validate_agent,
    validate_language_map,
    validate_statement,
    validate_statements,
)

SHA2 = "495395e777cd98da653df9615d09c0fd6bb2f8d4788394cd53c56a3bfdcd848a"


def full_statement() -> dict:
    """A Statement that uses every Statement, Agent, Group, Activity, Result, Context and
    Attachment property at least once."""
    return {
        "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee",
        "actor": {
            "objectType": "Group",
            "name": "Team PB",
            "mbox": "mailto:teampb@example.com",
            "member": [
                {"objectType": "Agent", "name": "Ann", "mbox": "mailto:ann@example.com"},
                {"name": "Toby", "openid": "http://toby.openid.example.org/"},
                {"name": "Andrew", "account": {"homePage": "http://www.example.com", "name": "13936749"}},
                {"name": "Ena", "mbox_sha1sum": "ebd31e95054c018b10727ccffd2ef2ec3a016ee9"},
            ],
        },
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/answered",
            "display": {"en-US": "answered", "en-GB": "answered", "zh-cmn-Hans-CN": "回答了"},
        },
        "object": {
            "objectType": "Activity",
            "id": "http://www.example.com/quiz/1/question/2",
            "definition": {
                "name": {"en-US": "Question 2"},
                "description": {"en-US": "Which prototypes are available?"},
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "moreInfo": "http://www.example.com/quiz/1/question/2/info",
                "interactionType": "choice",
                "correctResponsesPattern": ["golf[,]tetris", "golf"],
                "choices": [
                    {"id": "golf", "description": {"en-US": "Golf Example"}},
                    {"id": "tetris", "description": {"en-US": "Tetris Example"}},
                    {"id": "scrabble"},
                ],
                "extensions": {"http://example.com/ext/room": {"name": "Kilby", "id": None}},
            },
        },
        "result": {
            "score": {"scaled": 0.95, "raw": 95, "min": 0, "max": 100},
            "success": True,
            "completion": False,
            "response": "golf[,]tetris",
            "duration": "PT1H0M0.1S",
            "extensions": {"http://example.com/ext/minutes": None},
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "instructor": {"objectType": "Agent", "name": "Teacher", "mbox": "mailto:teacher@example.com"},
            "team": {
                "objectType": "Group",
                "name": "Anonymous team",
                "member": [{"mbox": "mailto:a@example.com"}, {"mbox": "mailto:b@example.com"}],
            },
            "contextActivities": {
                "parent": [{"id": "http://www.example.com/quiz/1", "objectType": "Activity"}],
                "grouping": {"id": "http://www.example.com/course/algebra"},
                "category": [
                    {
                        "id": "http://www.example.com/profiles/quiz",
                        "definition": {"type": "http://adlnet.gov/expapi/activities/profile"},
                    }
                ],
                "other": [
                    {"id": "http://www.example.com/meetings/34257"},
                    {"id": "http://www.example.com/meetings/3425567"},
                ],
            },
            "revision": "r2",
            "platform": "Fasthold",
            "language": "en-US",
            "statement": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
            "extensions": {"http://example.com/ext/altitude": 1200, "urn:example:ext:nothing": None},
        },
        "timestamp": "2013-05-18T05:32:34.804+00:00",
        "stored": "2013-05-18T05:32:34.804Z",
        "authority": {
            "objectType": "Group",
            "member": [
                {"account": {"homePage": "http://example.com/xAPI/OAuth/Token", "name": "oauth_consumer_x75db"}},
                {"mbox": "mailto:bob@example.com"},
            ],
        },
        "version": "1.0.0",
        "attachments": [
            {
                "usageType": "http://adlnet.gov/expapi/attachments/signature",
                "display": {"en-US": "Signature"},
                "description": {"en-US": "A test signature"},
                "contentType": "application/octet-stream",
                "length": 4235,
                "sha2": SHA2,
                "fileUrl": "http://over.there.com/file.txt",
            }
        ],
    }


def agent_object_statement() -> dict:
    """"Nellie interviewed Jeff": an Agent as the object (objectType required)."""
    return {
        "actor": {"mbox": "mailto:nellie@example.com"},
        "verb": {"id": "http://example.com/verbs/interviewed", "display": {"en": "interviewed"}},
        "object": {"objectType": "Agent", "name": "Jeff", "mbox": "mailto:jeff@example.com"},
        "context": {"language": "en"},
    }


def statement_ref_statement() -> dict:
    return {
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/commented", "display": {"en-US": "commented"}},
        "object": {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"},
        "result": {"response": "Wow, nice work!"},
    }


def substatement_statement() -> dict:
    """"I planned (I visited this website)", the SubStatement using result, context, timestamp."""
    return {
        "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
        "verb": {"id": "http://example.com/planned", "display": {"en-US": "planned"}},
        "object": {
            "objectType": "SubStatement",
            "actor": {"objectType": "Agent", "mbox": "mailto:test@example.com"},
            "verb": {"id": "http://example.com/visited", "display": {"en-US": "will visit"}},
            "object": {
                "objectType": "Activity",
                "id": "http://example.com/website",
                "definition": {"name": {"en-US": "Some Awesome Website"}},
            },
            "result": {"completion": True},
            "context": {"platform": "web", "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7"},
            "timestamp": "2030-01-01T00:00:00Z",
        },
    }


BASES = {
    "full": full_statement,
    "agent_object": agent_object_statement,
    "statement_ref": statement_ref_statement,
    "substatement": substatement_statement,
}

# --------------------------------------------------------------------------------------------
# Tiny path language for the mutations: a.b[0]["http://key"].c
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def _tokens(path: str) -> list:
    out, pos = [], 0
    while pos < len(path):
        match = _TOKEN_RE.match(path, pos)
        assert match, f"bad test path {path!r} at {pos}"
        name, index, quoted = match.groups()
        out.append(int(index) if index is not None else (quoted if quoted is not None else name))
        pos = match.end()
    return out


def _parent(doc, path: str):
    *head, last = _tokens(path)
    for token in head:
        doc = doc[token]
    return doc, last


def put(path: str, value):
    def mutate(doc):
        parent, last = _parent(doc, path)
        parent[last] = copy.deepcopy(value)

    return mutate


def drop(path: str):
    def mutate(doc):
        parent, last = _parent(doc, path)
        del parent[last]

    return mutate


def append(path: str, value):
    def mutate(doc):
        parent, last = _parent(doc, path)
        parent[last].append(copy.deepcopy(value))

    return mutate


def chain(*mutations):
    def mutate(doc):
        for mutation in mutations:
            mutation(doc)

    return mutate


# --------------------------------------------------------------------------------------------
# Valid statements
# --------------------------------------------------------------------------------------------


def test_full_statement_using_every_property_is_valid():
    statement = full_statement()
    assert validate_statements(statement) == [statement]


def test_validation_does_not_modify_the_statement():
    statement = full_statement()
    validate_statement(statement)
    assert statement == full_statement()


def test_simplest_statement_from_the_spec_is_valid():
    statement = {
        "actor": {"mbox": "mailto:xapi@adlnet.gov"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/created", "display": {"en-US": "created"}},
        "object": {"id": "http://example.adlnet.gov/xapi/example/activity"},
    }
    assert validate_statements(statement) == [statement]


INTERACTION_DEFINITIONS = {
    "true-false": {"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    "choice": {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "b"}]},
    "fill-in": {"interactionType": "fill-in", "correctResponsesPattern": ["Bob's your uncle"]},
    "long-fill-in": {
        "interactionType": "long-fill-in",
        "correctResponsesPattern": ["{case_matters=false}{lang=en}To store learning experiences."],
    },
    "likert": {"interactionType": "likert", "correctResponsesPattern": ["likert_3"], "scale": [{"id": "likert_3"}]},
    "matching": {
        "interactionType": "matching",
        "correctResponsesPattern": ["ben[.]3"],
        "source": [{"id": "ben"}],
        "target": [{"id": "3"}],
    },
    "performance": {"interactionType": "performance", "steps": [{"id": "pong"}, {"id": "dg"}]},
    "sequencing": {"interactionType": "sequencing", "choices": [{"id": "tim"}, {"id": "mike"}]},
    "numeric": {"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]},
    "other": {"interactionType": "other", "correctResponsesPattern": []},
}


def _with_definition(definition):
    return put("object.definition", definition)


VALID_VARIATIONS = [
    pytest.param("agent_object", None, id="agent-as-object"),
    pytest.param("statement_ref", None, id="statement-ref-as-object"),
    pytest.param("substatement", None, id="substatement-with-future-timestamp"),
    pytest.param(
        "full",
        chain(
            put("verb.id", "http://adlnet.gov/expapi/verbs/voided"),
            put("object", {"objectType": "StatementRef", "id": "e05aa883-acaf-40ad-bf54-02c8ce485fb0"}),
            drop("context.revision"),
            drop("context.platform"),
        ),
        id="voiding-statement",
    ),
    pytest.param(
        "agent_object",
        put("object", {"objectType": "Group", "account": {"homePage": "http://example.com", "name": "g"}}),
        id="identified-group-without-members-as-object",
    ),
    pytest.param("full", put("actor", {"objectType": "Group", "member": [{"mbox": "mailto:solo@example.com"}]}),
                 id="anonymous-group-actor"),
    pytest.param("full", put("actor", {"objectType": "Agent", "openid": "https://openid.example.org/me"}),
                 id="openid-agent-actor"),
    pytest.param("full", put("authority", {"account": {"homePage": "http://cloud.scorm.com/", "name": "anonymous"}}),
                 id="agent-authority"),
    pytest.param("full", put("version", "1.0"), id="version-1.0"),
    pytest.param("full", put("version", "1.0.9"), id="version-1.0.9"),
    pytest.param("full", put("timestamp", "2013-05-18T05:32:34+05:30"), id="timestamp-with-offset"),
    pytest.param("full", put("timestamp", "2013-05-18T05:32:34.123456789-07:00"), id="timestamp-nanoseconds"),
    pytest.param("full", put("object", {"id": "urn:uuid:c1b8e8a2-0b7e-4f5f-9f54-5e3b2b1c4d6e"}),
                 id="activity-without-objecttype-and-urn-id"),
    pytest.param("full", put("context.contextActivities", {"other": {"id": "http://example.com/single"}}),
                 id="single-context-activity-object"),
    pytest.param("full", put("context.extensions", {}), id="empty-extensions"),
    pytest.param("full", put("result.score", {"raw": -5}), id="raw-score-unbounded-without-min-max"),
    pytest.param("full", put("result.score", {"scaled": -1, "raw": 0, "min": 0, "max": 0.5}),
                 id="score-at-inclusive-bounds"),
    pytest.param("full", put("result.duration", "P4W"), id="duration-in-weeks"),
    pytest.param("full", put("verb.display", {"i-enochian": "x", "sl-rozaj-biske": "y", "x-whatever": "z"}),
                 id="grandfathered-variant-and-private-use-language-tags"),
    pytest.param("full", put("attachments", []), id="empty-attachment-list"),
    pytest.param(
        "full",
        put("attachments[0].contentType", 'text/plain; charset="utf-8"'),
        id="content-type-with-quoted-parameter",
    ),
    pytest.param("full", drop("verb.display"), id="verb-without-display"),
    pytest.param("full", put("actor.member[0].name", ""), id="empty-name-is-still-a-string"),
] + [
    pytest.param("full", _with_definition(definition), id=f"interaction-{name}")
    for name, definition in INTERACTION_DEFINITIONS.items()
]


@pytest.mark.parametrize("base, mutation", VALID_VARIATIONS)
def test_valid_statement_variations_are_accepted(base, mutation):
    statement = BASES[base]()
    if mutation:
        mutation(statement)
    assert validate_statements(statement) == [statement]


# --------------------------------------------------------------------------------------------
# Invalid statements: (base, mutation, JSON path of the error)
# --------------------------------------------------------------------------------------------

C = "statement.context"
D = "statement.object.definition"
A = "statement.attachments[0]"

INVALID = [
    # --- statement level (Data 2.2, 2.4, 2.4.1)
    ("full", drop("actor"), "statement.actor", "missing actor"),
    ("full", drop("verb"), "statement.verb", "missing verb"),
    ("full", drop("object"), "statement.object", "missing object"),
    ("full", put("foo", "bar"), "statement.foo", "unknown top-level property"),
    ("full", chain(drop("actor"), put("Actor", {"mbox": "mailto:a@example.com"})), "statement.Actor",
     "key with wrong case"),
    ("full", put("id", "AA97B177-9383-4934-8543-0F91A7A028368"), "statement.id", "uuid with too many digits"),
    ("full", put("id", "MA97B177-9383-4934-8543-0F91A7A02836"), "statement.id", "uuid with non-hex letter"),
    ("full", put("id", "6690e6c93ef04ed38b377f3964730bee"), "statement.id", "uuid without hyphens"),
    ("full", put("id", 12345), "statement.id", "numeric id"),
    ("full", put("id", None), "statement.id", "null id"),
    # --- actor, agents, groups, IFIs (Data 2.4.2)
    ("full", put("actor.member[0].mbox", "ann@example.com"), "statement.actor.member[0].mbox", "mbox missing mailto"),
    ("full", put("actor.member[0].mbox", "mailto:should.fail.com"), "statement.actor.member[0].mbox",
     "mbox without an address"),
    ("full", put("actor.mbox", "http://should.fail.com"), "statement.actor.mbox", "group mbox not mailto"),
    ("full", put("actor.member[3].mbox_sha1sum", "not-a-sha1"), "statement.actor.member[3].mbox_sha1sum",
     "mbox_sha1sum not 40 hex"),
    ("full", put("actor.member[3].mbox_sha1sum", {"key": "value"}), "statement.actor.member[3].mbox_sha1sum",
     "mbox_sha1sum not a string"),
    ("full", put("actor.member[1].openid", "toby"), "statement.actor.member[1].openid", "openid not a URI"),
    ("full", drop("actor.member[2].account.homePage"), "statement.actor.member[2].account.homePage",
     "account without homePage"),
    ("full", put("actor.member[2].account.homePage", "ab=c://should.fail.com"),
     "statement.actor.member[2].account.homePage", "account homePage with invalid scheme"),
    ("full", put("actor.member[2].account.name", {"key": "value"}), "statement.actor.member[2].account.name",
     "account name not a string"),
    ("full", put("actor.member[2].account.email", "x"), "statement.actor.member[2].account.email",
     "unknown account property"),
    ("full", put("actor.member[0].openid", "http://ann.openid.example.org/"), "statement.actor.member[0]",
     "agent with two IFIs"),
    ("full", drop("actor.member[0].mbox"), "statement.actor.member[0]", "agent without IFI"),
    ("full", put("actor.member[0].objectType", "agent"), "statement.actor.member[0].objectType",
     "objectType with wrong case"),
    ("full", put("actor.member[0]", {"objectType": "Group", "mbox": "mailto:g@example.com"}),
     "statement.actor.member[0].objectType", "group as a group member"),
    ("full", put("actor.member[1]", None), "statement.actor.member[1]", "null group member"),
    ("full", put("actor.member[0].name", None), "statement.actor.member[0].name", "null agent name"),
    ("full", put("actor.member[0].name", 42), "statement.actor.member[0].name", "numeric agent name"),
    ("full", put("actor.openid", "http://team.example.org/"), "statement.actor", "identified group with two IFIs"),
    ("full", drop("actor.objectType"), "statement.actor.member", "group without objectType read as an agent"),
    ("full", put("actor.member", {"mbox": "mailto:a@example.com"}), "statement.actor.member", "member not an array"),
    ("full", put("context.instructor.member", []), "statement.context.instructor.member", "agent with member"),
    ("full", drop("context.team.member"), f"{C}.team.member", "anonymous group without member"),
    ("full", put("context.team.member", []), f"{C}.team.member", "anonymous group with no members"),
    ("full", put("actor", "mailto:a@example.com"), "statement.actor", "actor not an object"),
    # --- verb (Data 2.4.3) and language maps (Data 4.2)
    ("full", drop("verb.id"), "statement.verb.id", "verb without id"),
    ("full", put("verb.id", "answered"), "statement.verb.id", "verb id not an IRI"),
    ("full", put("verb.id", ""), "statement.verb.id", "verb id empty string"),
    ("full", put("verb.display", "answered"), "statement.verb.display", "display not a language map"),
    ("full", put("verb.display", {}), "statement.verb.display", "display language map without entries"),
    ("full", put("verb.display", {"a12345": "x"}), 'statement.verb.display["a12345"]', "language tag a12345"),
    ("full", put("verb.display", {"de-419-DE": "x"}), 'statement.verb.display["de-419-DE"]',
     "language tag with two regions"),
    ("full", put("verb.display", {"ar-a-aaa-b-bbb-a-ccc": "x"}), 'statement.verb.display["ar-a-aaa-b-bbb-a-ccc"]',
     "language tag repeating an extension singleton"),
    ("full", put('verb.display["en-US"]', None), 'statement.verb.display["en-US"]', "null language map value"),
    ("full", put('verb.display["en-US"]', 7), 'statement.verb.display["en-US"]', "numeric language map value"),
    ("full", put("verb.name", "x"), "statement.verb.name", "unknown verb property"),
    # --- activity object and definition (Data 2.4.4.1)
    ("full", drop("object.id"), "statement.object.id", "activity without id"),
    ("full", put("object.id", "ab=c://should.fail.com"), "statement.object.id", "activity id with invalid scheme"),
    ("full", put("object.id", "/quiz/1"), "statement.object.id", "relative activity id"),
    ("full", put("object.objectType", "activity"), "statement.object.objectType", "objectType Activity lowercase"),
    ("full", put("object.objectType", "Thing"), "statement.object.objectType", "unknown objectType"),
    ("full", put("object.definition", "should error"), D, "definition not an object"),
    ("full", put("object.definition.title", {"en": "x"}), f"{D}.title", "unknown definition property"),
    ("full", put("object.definition.name", "should error"), f"{D}.name", "name not a language map"),
    ("full", put("object.definition.description", {}), f"{D}.description", "empty description language map"),
    ("full", put("object.definition.type", "should error"), f"{D}.type", "type not an IRI"),
    ("full", put("object.definition.moreInfo", "should error"), f"{D}.moreInfo", "moreInfo not an IRL"),
    ("full", put("object.definition.moreInfo", None), f"{D}.moreInfo", "null moreInfo"),
    ("full", put("object.definition.interactionType", "Choice"), f"{D}.interactionType",
     "interactionType with wrong case"),
    ("full", put("object.definition.interactionType", 12345), f"{D}.interactionType", "numeric interactionType"),
    ("full", put("object.definition.correctResponsesPattern", "golf"), f"{D}.correctResponsesPattern",
     "correctResponsesPattern not an array"),
    ("full", put("object.definition.correctResponsesPattern", [1]), f"{D}.correctResponsesPattern[0]",
     "correctResponsesPattern item not a string"),
    ("full", chain(drop("object.definition.interactionType"), drop("object.definition.choices")),
     f"{D}.correctResponsesPattern", "correctResponsesPattern without interactionType"),
    ("full", chain(drop("object.definition.interactionType"), drop("object.definition.correctResponsesPattern")),
     f"{D}.choices", "component list without interactionType"),
    ("full", put("object.definition.interactionType", "likert"), f"{D}.choices", "choices on a likert interaction"),
    ("full", put("object.definition.scale", [{"id": "x"}]), f"{D}.scale", "scale on a choice interaction"),
    ("full", put("object.definition.interactionType", "true-false"), f"{D}.choices",
     "component list on a true-false interaction"),
    ("full", put("object.definition.choices[1].id", "golf"), f"{D}.choices[1].id", "duplicate component id"),
    ("full", drop("object.definition.choices[0].id"), f"{D}.choices[0].id", "component without id"),
    ("full", put("object.definition.choices[0].id", 1), f"{D}.choices[0].id", "numeric component id"),
    ("full", put("object.definition.choices[0].label", "x"), f"{D}.choices[0].label", "unknown component property"),
    ("full", put("object.definition.choices[0].description", {"en_US": "x"}),
     f'{D}.choices[0].description["en_US"]', "component description with bad language tag"),
    ("full", put("object.definition.choices", {"id": "golf"}), f"{D}.choices", "choices not an array"),
    ("full", put("object.definition.extensions", "should error"), f"{D}.extensions", "extensions not an object"),
    ("full", put("object.definition.extensions", {"id": "valid"}), f'{D}.extensions["id"]',
     "extension key not an IRI"),
    # --- Agent, StatementRef and SubStatement objects (Data 2.4.4.2, 2.4.4.3)
    ("agent_object", drop("object.objectType"), "statement.object.name",
     "agent object without objectType read as an activity"),
    ("agent_object", put("object.objectType", "Person"), "statement.object.objectType", "agent object bad objectType"),
    ("agent_object", put("context.revision", "r1"), f"{C}.revision", "revision with an agent object"),
    ("agent_object", put("context.platform", "web"), f"{C}.platform", "platform with an agent object"),
    ("statement_ref", put("context", {"platform": "web"}), f"{C}.platform", "platform with a statement ref object"),
    ("statement_ref", put("object.id", "should fail"), "statement.object.id", "statement ref id not a uuid"),
    ("statement_ref", drop("object.id"), "statement.object.id", "statement ref without id"),
    ("statement_ref", put("object.objectType", "statementref"), "statement.object.objectType",
     "statement ref objectType lowercase"),
    ("statement_ref", put("object.definition", {}), "statement.object.definition", "statement ref extra property"),
    ("substatement", put("object.id", "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"), "statement.object.id",
     "substatement with id"),
    ("substatement", put("object.stored", "2013-05-18T05:32:34.804Z"), "statement.object.stored",
     "substatement with stored"),
    ("substatement", put("object.version", "1.0.0"), "statement.object.version", "substatement with version"),
    ("substatement", put("object.authority", {"mbox": "mailto:a@example.com"}), "statement.object.authority",
     "substatement with authority"),
    ("substatement", put("object.object", substatement_statement()["object"]), "statement.object.object.objectType",
     "nested substatement"),
    ("substatement", drop("object.verb"), "statement.object.verb", "substatement without verb"),
    ("substatement", put("object.objectType", "substatement"), "statement.object.objectType",
     "substatement objectType lowercase"),
    ("substatement", put("object.actor.mbox", "test@example.com"), "statement.object.actor.mbox",
     "substatement actor mbox missing mailto"),
    ("substatement", put("object.timestamp", "2013-05-18T05:32:34"), "statement.object.timestamp",
     "substatement timestamp without zone"),
    ("substatement", put("object.object", {"objectType": "StatementRef", "id": "8f87ccde-bb56-4c2e-ab83-44982ef22df0"}),
     "statement.object.context.platform", "substatement platform with a statement ref object"),
    ("substatement", put("object.verb.id", "http://adlnet.gov/expapi/verbs/voided"), "statement.object.object",
     "voiding substatement with an activity object"),
    # --- voiding (Data 2.3.2)
    ("full", put("verb.id", "http://adlnet.gov/expapi/verbs/voided"), "statement.object",
     "voiding statement with an activity object"),
    # --- result and score (Data 2.4.5)
    ("full", put("result.score.scaled", 1.01), "statement.result.score.scaled", "scaled above 1"),
    ("full", put("result.score.scaled", -1.00001), "statement.result.score.scaled", "scaled below -1"),
    ("full", put("result.score.raw", 100.5), "statement.result.score.raw", "raw above max"),
    ("full", put("result.score.raw", -0.5), "statement.result.score.raw", "raw below min"),
    ("full", put("result.score.min", 100), "statement.result.score.min", "min equal to max"),
    ("full", put("result.score.min", 200), "statement.result.score.min", "min above max"),
    ("full", put("result.score.max", "100"), "statement.result.score.max", "max as a numeric string"),
    ("full", put("result.score.raw", True), "statement.result.score.raw", "raw as a boolean"),
    ("full", put("result.score.raw", float("nan")), "statement.result.score.raw", "raw not finite"),
    ("full", put("result.score", 12345), "statement.result.score", "score not an object"),
    ("full", put("result.score.percent", 95), "statement.result.score.percent", "unknown score property"),
    ("full", put("result.success", "true"), "statement.result.success", "success as a string"),
    ("full", put("result.completion", "false"), "statement.result.completion", "completion as a string"),
    ("full", put("result.response", 42), "statement.result.response", "numeric response"),
    ("full", put("result.duration", "PA1H0M0S"), "statement.result.duration", "invalid duration"),
    ("full", put("result.duration", "P4W1D"), "statement.result.duration", "weeks combined with days"),
    ("full", put("result.duration", 12345), "statement.result.duration", "numeric duration"),
    ("full", put("result.extensions", {"minutes": 1}), 'statement.result.extensions["minutes"]',
     "result extension key not an IRI"),
    ("full", put("result.grade", "A"), "statement.result.grade", "unknown result property"),
    # --- context (Data 2.4.6)
    ("full", put("context.registration", "should fail"), f"{C}.registration", "registration not a uuid"),
    ("full", put("context.registration", None), f"{C}.registration", "null registration"),
    ("full", put("context.instructor", "should fail"), f"{C}.instructor", "instructor not an object"),
    ("full", put("context.instructor", {"key": "should fail"}), f"{C}.instructor.key", "instructor unknown property"),
    ("full", put("context.team", {"mbox": "mailto:team@example.com"}), f"{C}.team", "team is an agent"),
    ("full", put("context.contextActivities", {}), f"{C}.contextActivities", "empty contextActivities"),
    ("full", put("context.contextActivities", "should fail"), f"{C}.contextActivities",
     "contextActivities not an object"),
    ("full", put("context.contextActivities.parents", []), f"{C}.contextActivities.parents",
     "unknown context type"),
    ("full", put("context.contextActivities.other", "http://example.com/x"), f"{C}.contextActivities.other",
     "context activity as a string"),
    ("full", drop("context.contextActivities.parent[0].id"), f"{C}.contextActivities.parent[0].id",
     "context activity without id"),
    ("full", put("context.contextActivities.grouping.id", "algebra"), f"{C}.contextActivities.grouping.id",
     "single context activity with bad id"),
    ("full", put("context.contextActivities.parent[0].objectType", "Agent"),
     f"{C}.contextActivities.parent[0].objectType", "context activity that is not an activity"),
    ("full", put("context.contextActivities.other[1]", None), f"{C}.contextActivities.other[1]",
     "null context activity"),
    ("full", put("context.revision", 12345), f"{C}.revision", "numeric revision"),
    ("full", put("context.platform", {"key": "should fail"}), f"{C}.platform", "platform as an object"),
    ("full", put("context.language", "a12345"), f"{C}.language", "invalid language tag"),
    ("full", put("context.language", 12345), f"{C}.language", "numeric language"),
    ("full", drop("context.statement.objectType"), f"{C}.statement.objectType", "statement ref without objectType"),
    ("full", put("context.statement.objectType", "statementref"), f"{C}.statement.objectType",
     "statement ref with wrong-case objectType"),
    ("full", put("context.statement.id", "should fail"), f"{C}.statement.id", "context statement id not a uuid"),
    ("full", put("context.extensions", {"altitude": 1}), f'{C}.extensions["altitude"]',
     "context extension key not an IRI"),
    ("full", put("context.mood", "x"), f"{C}.mood", "unknown context property"),
    # --- timestamp and stored (Data 2.4.7, 2.4.8, 4.5)
    ("full", put("timestamp", "2013-05-18T05:32:34.804"), "statement.timestamp", "timestamp without zone"),
    ("full", put("timestamp", "2008-09-15T15:53:00.601-00:00"), "statement.timestamp", "timestamp with -00:00"),
    ("full", put("timestamp", "2008-09-15T15:53:00.601-0000"), "statement.timestamp", "timestamp with -0000"),
    ("full", put("timestamp", "2008-09-15T15:53:00.601-00"), "statement.timestamp", "timestamp with -00"),
    ("full", put("timestamp", "01/011/2015"), "statement.timestamp", "timestamp not iso 8601"),
    ("full", put("timestamp", "2013-02-30T05:32:34Z"), "statement.timestamp", "timestamp on a day that does not exist"),
    ("full", put("timestamp", 1368855154), "statement.timestamp", "numeric timestamp"),
    ("full", put("stored", "2013-05-18"), "statement.stored", "stored date without time"),
    ("full", put("stored", "should fail"), "statement.stored", "stored not a timestamp"),
    # --- authority (Data 2.4.9)
    ("full", put("authority.mbox", "mailto:bob@example.com"), "statement.authority", "authority identified group"),
    ("full", put("authority.member", [{"mbox": "mailto:bob@example.com"}]), "statement.authority.member",
     "authority group with one member"),
    ("full", append("authority.member", {"mbox": "mailto:james@example.com"}), "statement.authority.member",
     "authority group with three members"),
    ("full", put("authority", {"mbox": "bob@example.com"}), "statement.authority.mbox", "authority agent bad mbox"),
    # --- version (Data 2.4.10)
    ("full", put("version", "1.1.0"), "statement.version", "version 1.1.0"),
    ("full", put("version", "0.9.9"), "statement.version", "version 0.9.9"),
    ("full", put("version", "should fail"), "statement.version", "version not semver"),
    ("full", put("version", 1.0), "statement.version", "numeric version"),
    # --- attachments (Data 2.4.11)
    ("full", put("attachments", full_statement()["attachments"][0]), "statement.attachments",
     "attachments not an array"),
    ("full", put("attachments[0]", "should fail"), A, "attachment not an object"),
    ("full", drop("attachments[0].usageType"), f"{A}.usageType", "attachment without usageType"),
    ("full", put("attachments[0].usageType", "should fail"), f"{A}.usageType", "usageType not an IRI"),
    ("full", drop("attachments[0].display"), f"{A}.display", "attachment without display"),
    ("full", put("attachments[0].display", {"de-419-DE": "x"}), f'{A}.display["de-419-DE"]',
     "attachment display bad language tag"),
    ("full", put("attachments[0].description", "should error"), f"{A}.description", "description not a language map"),
    ("full", put("attachments[0].contentType", "should fail"), f"{A}.contentType", "contentType not a media type"),
    ("full", drop("attachments[0].contentType"), f"{A}.contentType", "attachment without contentType"),
    ("full", put("attachments[0].length", "27"), f"{A}.length", "length as a string"),
    ("full", put("attachments[0].length", 27.5), f"{A}.length", "fractional length"),
    ("full", put("attachments[0].length", -1), f"{A}.length", "negative length"),
    ("full", put("attachments[0].length", True), f"{A}.length", "boolean length"),
    ("full", drop("attachments[0].sha2"), f"{A}.sha2", "attachment without sha2"),
    ("full", put("attachments[0].sha2", 12345), f"{A}.sha2", "numeric sha2"),
    ("full", put("attachments[0].sha2", "z" * 64), f"{A}.sha2", "sha2 not hex"),
    ("full", put("attachments[0].sha2", SHA2[:40]), f"{A}.sha2", "sha2 of a sha1 length"),
    ("full", put("attachments[0].fileUrl", "should fail"), f"{A}.fileUrl", "fileUrl not an IRL"),
    ("full", put("attachments[0].fileURL", "http://x.example.com/f"), f"{A}.fileURL",
     "attachment property with wrong case"),
]


@pytest.mark.parametrize(
    "base, mutation, expected_path",
    [pytest.param(base, mutation, path, id=name) for base, mutation, path, name in INVALID],
)
def test_invalid_statement_is_rejected_at_the_offending_path(base, mutation, expected_path):
    statement = BASES[base]()
    mutation(statement)
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statement(statement)
    assert excinfo.value.path == expected_path, str(excinfo.value)
    assert excinfo.value.reason
    assert str(excinfo.value) == f"{expected_path}: {excinfo.value.reason}"


def test_invalid_cases_have_unique_names():
    names = [name for *_, name in INVALID]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("value", [None, [], "statement", 42])
def test_statement_that_is_not_an_object_is_rejected(value):
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statement(value)
    assert excinfo.value.path == "statement"


def test_error_path_uses_the_given_prefix():
    statement = full_statement()
    statement["verb"]["id"] = "nope"
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statement(statement, path="body")
    assert excinfo.value.path == "body.verb.id"


def test_error_reasons_name_the_rule():
    statement = full_statement()
    statement["result"]["success"] = "true"
    with pytest.raises(StatementValidationError, match=r"statement\.result\.success: must be a boolean"):
        validate_statement(statement)
    statement = full_statement()
    statement["context"]["registration"] = None
    with pytest.raises(StatementValidationError, match=r"must not be null"):
        validate_statement(statement)


def test_validation_error_is_a_value_error_with_path_and_reason():
    error = StatementValidationError("statement.id", "must be a UUID")
    assert isinstance(error, ValueError)
    assert (error.path, error.reason, str(error)) == ("statement.id", "must be a UUID", "statement.id: must be a UUID")


# --------------------------------------------------------------------------------------------
# validate_statements
# --------------------------------------------------------------------------------------------


def _batch(count: int) -> list[dict]:
    statements = []
    for index in range(count):
        statement = full_statement()
        statement["id"] = f"6690e6c9-3ef0-4ed3-8b37-7f396473{index:04x}"
        statements.append(statement)
    return statements


def test_single_statement_payload_returns_a_one_item_list():
    statement = full_statement()
    assert validate_statements(statement) == [statement]


def test_statement_list_payload_is_returned():
    statements = _batch(3)
    assert validate_statements(statements) == statements


def test_error_in_a_batch_is_reported_with_the_statement_index():
    statements = _batch(3)
    statements[2]["context"]["contextActivities"]["parent"][0]["id"] = "not an iri"
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statements(statements)
    assert excinfo.value.path == "statement[2].context.contextActivities.parent[0].id"


def test_error_in_a_single_statement_payload_has_no_index():
    statement = full_statement()
    del statement["actor"]
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statements(statement)
    assert excinfo.value.path == "statement.actor"


def test_duplicate_ids_in_a_batch_are_rejected():
    statements = _batch(3)
    statements[2]["id"] = statements[0]["id"].upper()  # same UUID, other case
    with pytest.raises(StatementValidationError, match=r"duplicate") as excinfo:
        validate_statements(statements)
    assert excinfo.value.path == "statement[2].id"


def test_statements_without_ids_do_not_clash():
    statements = _batch(2)
    for statement in statements:
        del statement["id"]
    assert validate_statements(statements) == statements


@pytest.mark.parametrize("payload", [[], "statements", None, 7])
def test_empty_or_non_statement_payload_is_rejected(payload):
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statements(payload)
    assert excinfo.value.path == "statement"


def test_non_object_item_in_a_batch_is_rejected_with_its_index():
    with pytest.raises(StatementValidationError) as excinfo:
        validate_statements([full_statement(), "x"])
    assert excinfo.value.path == "statement[1]"


# --------------------------------------------------------------------------------------------
# validate_agent (also used for the `agent` query parameter)
# --------------------------------------------------------------------------------------------


def _accepted(agent, **kwargs) -> bool:
    """True when validate_agent raises nothing (it returns None on success)."""
    validate_agent(agent, "agent", **kwargs)
    return True


def test_agent_parameter_accepts_an_agent():
    assert _accepted({"objectType": "Agent", "mbox": "mailto:a@example.com"}, allow_group=False)


def test_agent_parameter_can_refuse_groups():
    with pytest.raises(StatementValidationError) as excinfo:
        validate_agent({"objectType": "Group", "mbox": "mailto:g@example.com"}, "agent", allow_group=False)
    assert excinfo.value.path == "agent.objectType"


def test_agent_parameter_accepts_an_identified_group_by_default():
    assert _accepted({"objectType": "Group", "mbox": "mailto:g@example.com"})


def test_agent_as_object_needs_an_object_type():
    with pytest.raises(StatementValidationError) as excinfo:
        validate_agent({"mbox": "mailto:a@example.com"}, "statement.object", require_object_type=True)
    assert excinfo.value.path == "statement.object.objectType"


# --------------------------------------------------------------------------------------------
# Format helpers
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://example.com/xapi/verbs#sent", True),
        ("https://example.com/فعل/خواندن", True),
        ("urn:uuid:6690e6c9-3ef0-4ed3-8b37-7f3964730bee", True),
        ("mailto:a@example.com", True),
        ("http://example.com/a%20b", True),
        ("should fail", False),
        ("ab=c://should.fail.com", False),
        ("/relative/path", False),
        ("http://exa mple.com", False),
        ("http://example.com/<x>", False),
        ("http://example.com/%zz", False),
        ("http:", False),
        ("", False),
        (None, False),
        (42, False),
    ],
)
def test_is_iri(value, expected):
    assert is_iri(value) is expected


def test_validate_activity_id_rejects_a_non_iri():
    validate_activity_id("http://example.com/activity")
    with pytest.raises(StatementValidationError) as excinfo:
        validate_activity_id("activity 1")
    assert excinfo.value.path == "activityId"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("6690e6c9-3ef0-4ed3-8b37-7f3964730bee", True),
        ("6690E6C9-3EF0-4ED3-8B37-7F3964730BEE", True),
        ("00000000-0000-0000-0000-000000000000", True),
        ("12345678-1234-5678-1234-567812345678", True),  # not variant 2, still standard form
        ("6690e6c93ef04ed38b377f3964730bee", False),
        ("{6690e6c9-3ef0-4ed3-8b37-7f3964730bee}", False),
        ("6690e6c9-3ef0-4ed3-8b37-7f3964730bee\n", False),
        ("g690e6c9-3ef0-4ed3-8b37-7f3964730bee", False),
        (12345, False),
    ],
)
def test_is_uuid(value, expected):
    assert is_uuid(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2013-05-18T05:32:34.804Z", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=timezone.utc)),
        ("2013-05-18T05:32:34.804+00:00", datetime(2013, 5, 18, 5, 32, 34, 804000, tzinfo=timezone.utc)),
        ("2013-05-18T07:32:34+02:00", datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone.utc)),
        ("2013-05-18T00:02:34-0530", datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone.utc)),
        ("2013-05-18T05:32Z", datetime(2013, 5, 18, 5, 32, tzinfo=timezone.utc)),
        ("20130518T053234Z", datetime(2013, 5, 18, 5, 32, 34, tzinfo=timezone.utc)),
        ("2013-05-18T05:32:34.1234567Z", datetime(2013, 5, 18, 5, 32, 34, 123456, tzinfo=timezone.utc)),
        ("2013-05-18T24:00:00Z", datetime(2013, 5, 19, tzinfo=timezone.utc)),
    ],
)
def test_parse_iso8601_timestamp_returns_aware_utc(value, expected):
    parsed = parse_iso8601_timestamp(value)
    assert parsed == expected
    assert parsed.tzinfo == timezone.utc


@pytest.mark.parametrize(
    "value",
    [
        "2013-05-18T05:32:34",
        "2013-05-18T05:32:34-00:00",
        "2013-05-18",
        "2013-05-18 05:32:34Z",
        "2013-13-18T05:32:34Z",
        "2013-05-18T05:61:00Z",
        "2013-05-18T05:32:34+24:00",
        "2013-05-18T05:32:34Z\n",
        "yesterday",
        1368855154,
    ],
)
def test_parse_iso8601_timestamp_rejects_invalid_or_zoneless(value):
    with pytest.raises(ValueError):
        parse_iso8601_timestamp(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("PT4H35M59.14S", True),
        ("PT16559.14S", True),
        ("P3Y1M29DT4H35M59.14S", True),
        ("P3Y", True),
        ("P4W", True),
        ("PT0S", True),
        ("PT1,5S", True),
        ("P", False),
        ("PT", False),
        ("P1DT", False),
        ("P4W1D", False),
        ("-PT1S", False),
        ("P1.5DT1H", False),  # a fraction only on the lowest-order component
        ("P0003-01-29T04:35:59", False),  # the alternative format MUST NOT be used
        ("PA1H0M0S", False),
        ("pt1s", False),
        (3600, False),
    ],
)
def test_is_iso8601_duration(value, expected):
    assert is_iso8601_duration(value) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("en", True),
        ("en-US", True),
        ("tlh", True),
        ("zh-Hant", True),
        ("zh-cmn-Hans-CN", True),
        ("sr-Latn-RS", True),
        ("es-419", True),
        ("de-CH-1901", True),
        ("hy-Latn-IT-arevela", True),
        ("az-Arab-x-AZE-derbend", True),
        ("en-a-bbb-x-a-ccc", True),
        ("x-whatever", True),
        ("i-enochian", True),
        ("EN-us", True),
        ("a-DE", False),
        ("de-419-DE", False),
        ("ar-a-aaa-b-bbb-a-ccc", False),
        ("de-1901-1901", False),
        ("a12345", False),
        ("en_US", False),
        ("en-", False),
        ("", False),
        ("supercalifragilistic", False),
        (None, False),
    ],
)
def test_is_language_tag(value, expected):
    assert is_language_tag(value) is expected


def test_validate_language_map_accepts_a_valid_map_and_names_the_bad_key():
    validate_language_map({"en-US": "hello", "fr": "bonjour"}, "display")
    with pytest.raises(StatementValidationError) as excinfo:
        validate_language_map({"en-US": "hello", "en_GB": "hello"}, "display")
    assert excinfo.value.path == 'display["en_GB"]'
