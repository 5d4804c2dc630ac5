"""Configuration read from the environment, with safe defaults.

Every setting can be overridden by a mapping passed to ``create_app(config=...)`` (tests do).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

# OWASP's recommended argon2id parameters: 19 MiB of memory, 2 iterations, parallelism 1.
ARGON2_OWASP = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


def sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'fieldapp.db'}"


def load_secret_key(instance_path: str) -> str:
    """The key from FIELDAPP_SECRET_KEY, else one generated once into the instance folder."""
    key = os.environ.get("FIELDAPP_SECRET_KEY")
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Create the file readable by its owner only, atomically (no window with wider rights).
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def trusted_proxies(value: str) -> int:
    """A count of proxy hops, 0 when unset; anything else stops the app at start."""
    value = value.strip()
    if not value:
        return 0
    if not value.isdigit():
        raise ValueError(
            f"FIELDAPP_TRUSTED_PROXIES must be a number of proxies (1: one nginx), not {value!r}"
        )
    return int(value)


def whole_number(name: str, default: str, env=os.environ.get) -> int:
    """An integer setting; anything else stops the app at start with the variable's name."""
    value = (env(name) or default).strip()
    if not value.isdigit():
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    return int(value)


def seconds(name: str, default: str, env=os.environ.get) -> float:
    """A number of seconds (``0.5``, ``1``); anything else stops the app at start, named."""
    value = (env(name) or default).strip()
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0 <= number < float("inf"):
        raise ValueError(f"{name} must be a number of seconds (0 or more), not {value!r}")
    return number


def log_format(value: str) -> str:
    value = value.strip().lower() or "text"
    if value not in ("text", "json"):
        raise ValueError(f"FIELDAPP_LOG_FORMAT must be text or json, not {value!r}")
    return value


# Known providers' names on the sign-in button; any other takes FIELDAPP_OIDC_<NAME>_LABEL.
PROVIDER_LABELS = {"google": "Google", "microsoft": "Microsoft"}
# Google and Microsoft sign a shared phone's last account in again without asking: ask which.
PROVIDER_PROMPTS = {"google": "select_account", "microsoft": "select_account"}


def oidc_providers(env=os.environ.get) -> dict[str, dict]:
    """The district's identity providers (OpenID Connect), named in FIELDAPP_OIDC_PROVIDERS
    ("google microsoft"), each from FIELDAPP_OIDC_<NAME>_ISSUER, _CLIENT_ID, _CLIENT_SECRET and
    _DOMAINS (the email domains its people may sign in with), optionally _TENANT (Entra's tenant
    id, checked against the token's ``tid``), _LABEL and _PROMPT. A provider with a setting
    missing stops the app at start: a half-configured sign-in would fail in front of people."""
    providers = {}
    for name in (env("FIELDAPP_OIDC_PROVIDERS") or "").replace(",", " ").lower().split():
        if not name.isalnum():
            raise ValueError(f"FIELDAPP_OIDC_PROVIDERS: {name!r} is not a simple name (google)")
        key = f"FIELDAPP_OIDC_{name.upper()}_"
        settings = {
            "issuer": (env(key + "ISSUER") or "").strip(),
            "client_id": (env(key + "CLIENT_ID") or "").strip(),
            "client_secret": (env(key + "CLIENT_SECRET") or "").strip(),
            "domains": (env(key + "DOMAINS") or "").replace(",", " ").lower().split(),
        }
        missing = [key + part.upper() for part, value in settings.items() if not value]
        if missing:
            raise ValueError(f"sign-in with {name} needs {', '.join(missing)}")
        settings["tenant"] = (env(key + "TENANT") or "").strip() or None
        settings["label"] = env(key + "LABEL") or PROVIDER_LABELS.get(name, name.capitalize())
        settings["prompt"] = env(key + "PROMPT", PROVIDER_PROMPTS.get(name, "")) or None
        providers[name] = settings
    return providers


def password_sign_in(value: str) -> str:
    value = value.strip().lower() or "everyone"
    if value not in ("everyone", "admins"):
        raise ValueError(f"FIELDAPP_PASSWORD_SIGN_IN must be everyone or admins, not {value!r}")
    return value


def from_environment(instance_path: str, given: dict | None = None) -> dict:
    """Settings from the environment; a secret key is made only when none is given."""
    given = given or {}
    env = os.environ.get
    production = env("FIELDAPP_ENV", "development") == "production"
    return {
        "SQLALCHEMY_DATABASE_URI": env("FIELDAPP_DATABASE_URL") or sqlite_url(instance_path),
        "SECRET_KEY": given.get("SECRET_KEY") or load_secret_key(instance_path),
        "PASSWORD_HASH_PARAMS": ARGON2_OWASP,
        "DEFAULT_TIMEZONE": env("FIELDAPP_TIMEZONE", "America/Los_Angeles"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        # Over HTTPS in production the cookie is bound to this host and path (__Host- prefix).
        "SESSION_COOKIE_NAME": "__Host-fieldapp" if production else "fieldapp_session",
        "SESSION_COOKIE_PATH": "/",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "SESSION_IDLE_MINUTES": whole_number("FIELDAPP_IDLE_MINUTES", "30", env),
        "SESSION_IDLE_MINUTES_VISITOR": whole_number("FIELDAPP_IDLE_MINUTES_VISITOR", "480", env),
        "SESSION_ABSOLUTE_HOURS": 12,
        # Counted once for all workers and servers: in Redis when there is one, else in the
        # app's own database (fieldapp.ratelimit_storage), never in one worker's memory.
        "RATELIMIT_STORAGE_URI": env("FIELDAPP_REDIS_URL") or "database://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "REDIS_URL": env("FIELDAPP_REDIS_URL"),
        # Compress responses here (Brotli/gzip); 0 when a front server does it.
        "COMPRESS_ENABLED": env("FIELDAPP_COMPRESS", "1") != "0",
        "LOGIN_RATE_LIMIT": env("FIELDAPP_LOGIN_RATE_LIMIT", "30 per minute; 300 per hour"),
        # Calendar feeds, per address: calendar services (Google's) fetch many people's feeds
        # from a few addresses, each feed every few hours.
        "CALENDAR_FEED_RATE_LIMIT": env(
            "FIELDAPP_CALENDAR_FEED_RATE_LIMIT", "60 per minute; 1200 per hour"
        ),
        # The family's page behind a link to choose a time, per address (a link is 22 random
        # characters: this keeps guessing hopeless and the page cheap).
        "OFFER_RATE_LIMIT": env("FIELDAPP_OFFER_RATE_LIMIT", "20 per minute; 200 per hour"),
        # Per API token (per address for calls without one).
        "API_RATE_LIMIT": env("FIELDAPP_API_RATE_LIMIT", "120 per minute; 5000 per hour"),
        # The API's lists stop this many seconds before now: a change still being committed
        # (its updated_at already set) is then never passed by a client's cursor.
        "API_SETTLE_SECONDS": 5,
        # The app's address as people reach it (https://visits.example.org), for links in emails
        # sent by background tasks, which have no request to take it from.
        "BASE_URL": env("FIELDAPP_BASE_URL"),
        "MAIL_FROM": env("FIELDAPP_MAIL_FROM", "fieldapp <no-reply@fieldapp.invalid>"),
        "SMTP_HOST": env("FIELDAPP_SMTP_HOST"),
        "SMTP_PORT": whole_number("FIELDAPP_SMTP_PORT", "25", env),
        "SMTP_USER": env("FIELDAPP_SMTP_USER"),
        "SMTP_PASSWORD": env("FIELDAPP_SMTP_PASSWORD"),
        "SMTP_STARTTLS": env("FIELDAPP_SMTP_STARTTLS", "") == "1",
        # How many proxies in front of the app set X-Forwarded-For and X-Forwarded-Proto (nginx
        # doing TLS: 1). Unset, those headers are never believed: anyone can send them.
        "TRUSTED_PROXIES": trusted_proxies(env("FIELDAPP_TRUSTED_PROXIES", "")),
        # "text" (the default) or "json": one JSON object per line, for a log collector.
        "LOG_FORMAT": log_format(env("FIELDAPP_LOG_FORMAT", "text")),
        # Sign-in with the district's Google or Microsoft account (fieldapp.auth.oidc).
        "OIDC_PROVIDERS": oidc_providers(env),
        # "admins": only administrators may sign in with a password (staff use the district's
        # account); "everyone" (the default).
        "PASSWORD_SIGN_IN": password_sign_in(env("FIELDAPP_PASSWORD_SIGN_IN", "")),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        # A sensitive action asks for the password again after this many minutes.
        "FRESH_LOGIN_MINUTES": whole_number("FIELDAPP_FRESH_LOGIN_MINUTES", "10", env),
        # A phone retries sending its queue after this long, doubling up to 5 minutes.
        "SYNC_RETRY_MS": whole_number("FIELDAPP_SYNC_RETRY_MS", "5000", env),
        # A field form with no answer by then says "Saved on this phone" (static/app.js).
        "SYNC_SAVED_AFTER_MS": whole_number("FIELDAPP_SYNC_SAVED_AFTER_MS", "2500", env),
    }
