"""Agents and the rows that make every statement query an indexed lookup."""

from __future__ import annotations

from typing import Any, Iterable

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")


def ifi_key(agent: dict[str, Any]) -> str | None:
    """A canonical string for an Agent's or identified Group's inverse functional identifier."""
    if "mbox" in agent:
        return "mbox:" + agent["mbox"].strip().lower()
    if "mbox_sha1sum" in agent:
        return "sha1:" + agent["mbox_sha1sum"].strip().lower()
    if "openid" in agent:
        return "openid:" + agent["openid"].strip()
    if "account" in agent:
        account = agent["account"]
        return "account:" + account["homePage"].strip() + "|" + account["name"]
    return None


def agent_ifis(agent: dict[str, Any]) -> list[tuple[str, bool]]:
    """[(ifi, is_member)] for an agent, an identified group and the members of any group."""
    out = []
    key = ifi_key(agent)
    if key:
        out.append((key, False))
    for member in agent.get("member") or []:
        member_key = ifi_key(member)
        if member_key:
            out.append((member_key, True))
    return out


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def statement_links(statement: dict[str, Any], prefix: str = "") -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(activities, agents): every (id, usage) pair the `agent`, `activity` and `related_*`
    filters need, including those inside a SubStatement (usage prefixed `sub_`)."""
    activities: set[tuple[str, str]] = set()
    agents: set[tuple[str, str]] = set()

    def add_agent(agent, usage):
        if isinstance(agent, dict):
            for key, is_member in agent_ifis(agent):
                agents.add((key, prefix + usage + ("_member" if is_member else "")))

    add_agent(statement.get("actor"), "actor")
    obj = statement.get("object") or {}
    kind = obj.get("objectType", "Activity")
    if kind == "Activity":
        activities.add((obj["id"], prefix + "object"))
    elif kind in ("Agent", "Group"):
        add_agent(obj, "object")
    elif kind == "SubStatement" and not prefix:
        sub_activities, sub_agents = statement_links(obj, "sub_")
        activities |= sub_activities
        agents |= sub_agents
    context = statement.get("context") or {}
    add_agent(context.get("instructor"), "instructor")
    add_agent(context.get("team"), "team")
    for usage, items in (context.get("contextActivities") or {}).items():
        for activity in _as_list(items):
            activities.add((activity["id"], prefix + usage))
    if not prefix:
        add_agent(statement.get("authority"), "authority")
    return activities, agents


# Usages each filter looks at: `agent` is actor or object (members of groups count);
# `related_agents` and `related_activities` widen to everything, SubStatements included.
AGENT_USAGES = ("actor", "object", "actor_member", "object_member")
ACTIVITY_USAGES = ("object",)


def iter_activity_definitions(statement: dict[str, Any]) -> Iterable[tuple[str, dict]]:
    """(activity id, definition) for every activity in the statement that carries a definition."""
    def from_activity(activity):
        if isinstance(activity, dict) and activity.get("objectType", "Activity") == "Activity" and activity.get("definition"):
            yield activity["id"], activity["definition"]

    obj = statement.get("object") or {}
    yield from from_activity(obj)
    if obj.get("objectType") == "SubStatement":
        yield from iter_activity_definitions(obj)
    for items in ((statement.get("context") or {}).get("contextActivities") or {}).values():
        for activity in _as_list(items):
            yield from from_activity(activity)
