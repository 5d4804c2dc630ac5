"""fieldapp: Parent Teacher Home Visits in the field. ``create_app`` is the table of contents."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from fieldapp import config as config_module
from fieldapp.fields import IdConverter
from fieldapp.i18n import lazy_gettext as _l

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    config = dict(config or {})
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=config.pop("INSTANCE_PATH", None)
        or os.environ.get("FIELDAPP_INSTANCE_PATH")
        or str(ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config_module.from_environment(app.instance_path, given=config))
    app.config.update(config)
    app.url_map.converters["int"] = IdConverter  # ids the database can hold; others are 404
    register_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_proxies(app: Flask) -> None:
    """Behind FIELDAPP_TRUSTED_PROXIES proxies, the client's address and scheme are the ones they
    forwarded (for rate limits, the audit trail, Secure cookies); else those headers are ignored.
    X-Forwarded-Host is never taken: links in emails use the Host header the proxy passes."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    from fieldapp import (
        assets,
        audit,
        i18n,
        logs,
        models,  # noqa: F401  (the schema must be known to Alembic)
        ratelimit_storage,  # noqa: F401  (registers RATELIMIT_STORAGE_URI's "database://")
        rendering,
        versions,  # noqa: F401  (every write of the data kept summaries count bumps its version)
    )
    from fieldapp.auth import oidc
    from fieldapp.auth.cookies import CookieSessionInterface
    from fieldapp.auth.sessions import load_user
    from fieldapp.extensions import csrf, db, limiter, login_manager, migrate

    app.session_interface = CookieSessionInterface()  # Flask's cookie, verified once per process
    logs.init_app(app)
    audit.init_app(app)  # before db: its teardown then runs after the session's
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    login_manager.localize_callback = str  # the lazy text, in the request's language
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    # No Flask-Login "session protection": it only marks a session not "fresh" when the address
    # or browser changes (a phone changing networks), which nothing here reads (freshness is
    # policy.is_fresh, the time of the password), and then rewrites the cookie on each request.
    # A session is ended on the server instead (fieldapp.auth.sessions).
    login_manager.session_protection = None
    rendering.init_app(app)
    assets.init_app(app)
    i18n.init_app(app)
    oidc.init_app(app)


def register_blueprints(app: Flask) -> None:
    from fieldapp.admin.views import bp as admin_bp
    from fieldapp.api.admin_views import bp as api_tokens_bp
    from fieldapp.api.views import bp as api_bp
    from fieldapp.auth.oidc_views import bp as oidc_bp
    from fieldapp.auth.views import bp as auth_bp
    from fieldapp.exports.views import bp as exports_bp
    from fieldapp.families.views import bp as families_bp
    from fieldapp.health import bp as health_bp
    from fieldapp.messages.views import bp as messages_bp
    from fieldapp.offers.views import bp as offers_bp
    from fieldapp.privacy.views import bp as privacy_bp
    from fieldapp.reports.views import bp as reports_bp
    from fieldapp.roster.views import bp as roster_bp
    from fieldapp.rounds.views import bp as rounds_bp
    from fieldapp.schools.views import bp as schools_bp
    from fieldapp.sync.views import bp as sync_bp
    from fieldapp.sync.views import shell as shell_bp
    from fieldapp.training.views import bp as training_bp
    from fieldapp.visits.feed_views import feed_bp as calendar_feed_bp
    from fieldapp.visits.views import bp as visits_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(oidc_bp, url_prefix="/login/with")
    app.register_blueprint(health_bp)
    app.register_blueprint(visits_bp, url_prefix="/visits")
    app.register_blueprint(calendar_feed_bp)
    app.register_blueprint(families_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(offers_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(schools_bp, url_prefix="/schools")
    app.register_blueprint(training_bp, url_prefix="/training")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(privacy_bp, url_prefix="/admin/privacy")
    app.register_blueprint(sync_bp, url_prefix="/sync")
    app.register_blueprint(shell_bp)
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(roster_bp, url_prefix="/roster-imports")
    app.register_blueprint(exports_bp)
    app.register_blueprint(api_tokens_bp, url_prefix="/admin/api-tokens")
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errorhandlers(app: Flask) -> None:
    from fieldapp import errors, security

    errors.register(app)
    security.register(app)


def register_template_helpers(app: Flask) -> None:
    from fieldapp.formatting import register

    register(app)


def register_commands(app: Flask) -> None:
    from fieldapp.cli import register
    from fieldapp.privacy import cli as privacy_cli
    from fieldapp.roster import cli as roster_cli

    register(app)
    privacy_cli.register(app)
    roster_cli.register(app)
