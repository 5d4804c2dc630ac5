"""Sending email. With FIELDAPP_SMTP_HOST set, through that server (smtplib); otherwise, in
development and tests, each message is written to the instance folder's outbox/ and logged."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

from flask import current_app


def send(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
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
