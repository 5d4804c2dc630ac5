"""Sending email. With FIELDAPP_SMTP_HOST set, through that server (smtplib); otherwise, in
development and tests, each message is written to the instance folder's outbox/ and logged.

Every message carries ``Date`` (RFC 5322 requires it) and a ``Message-ID`` at the sender's own
domain. What a message may say is decided where it is written (README, "What an email may
carry"): never a family's name in a subject, never an address or a note."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, request


def _domain(sender: str) -> str:
    """The domain of the From address: Message-IDs are made there, not at this host's name."""
    return parseaddr(sender)[1].rpartition("@")[2] or "fieldapp.invalid"


def link_base_url() -> str:
    """Where links in emails sent for this request point: the configured public address
    (FIELDAPP_BASE_URL), else this request's own."""
    return current_app.config.get("BASE_URL") or request.host_url


def build(to: str, subject: str, body: str) -> EmailMessage:
    sender = current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain(sender))
    message.set_content(body)
    return message


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = build(to, subject, body)
    host = config.get("SMTP_HOST")
    if host:
        with smtplib.SMTP(host, config.get("SMTP_PORT", 25), timeout=10) as smtp:
            if config.get("SMTP_STARTTLS"):
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(message)
        return
    outbox = Path(current_app.instance_path) / "outbox"
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{time.time_ns()}.eml"
    path.write_bytes(bytes(message))
    current_app.logger.info("Mail to %s (%s) written to %s", to, subject, path)
