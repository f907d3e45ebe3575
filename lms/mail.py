"""Outgoing e-mail: SMTP when MAIL_SERVER is set, otherwise the outbox folder and the console."""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, url_for

log = logging.getLogger(__name__)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL under BASE_URL, usable from Celery tasks that have no request."""
    base = current_app.config["BASE_URL"]
    with current_app.test_request_context("/", base_url=base):
        return url_for(endpoint, _external=True, **values)


def send_mail(to: str, subject: str, body: str) -> str:
    """Send one plain-text message; returns its Message-ID."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="fasthold")
    msg.set_content(body)
    if cfg["MAIL_SERVER"]:
        context = ssl.create_default_context()  # verify the server's certificate
        if cfg["MAIL_USE_SSL"]:
            smtp = smtplib.SMTP_SSL(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30, context=context)
        else:
            smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=30)
        with smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls(context=context)
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
            smtp.send_message(msg)
    else:
        outbox = Path(cfg["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
        path = outbox / f"{stamp}-{to.replace('@', '_at_')}.eml"
        path.write_bytes(bytes(msg))
        log.warning("E-mail to %s written to %s\nSubject: %s\n\n%s", to, path, subject, body)
    return msg["Message-ID"]
