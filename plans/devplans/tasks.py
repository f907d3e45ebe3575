"""Development plans in the worker: the statement-stream subscriber that completes catalogue
items is registered by importing the service (xapi.announce_statements calls it)."""

from . import service  # noqa: F401  subscribes complete_items_from_statements
