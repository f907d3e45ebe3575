"""A test kind of notification, registered once like a package's service module would."""

import pytest
from flask_babel import lazy_gettext as _l

from lms.notifications.service import register_kind

register_kind("test.greeting", _l("%(actor)s replied to “%(thread)s”"))


@pytest.fixture
def outbox(app):
    """The e-mails written to the outbox folder during the test: a function returning their texts."""
    from pathlib import Path
    from email import message_from_bytes, policy

    folder = Path(app.config["MAIL_OUTBOX"])
    before = set(folder.glob("*.eml")) if folder.exists() else set()

    def read():
        now = set(folder.glob("*.eml")) if folder.exists() else set()
        return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(now - before)]

    return read
