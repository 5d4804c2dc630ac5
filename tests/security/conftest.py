"""The hostile-input tests sign in once per example: the per-address sign-in rate limit (tested
in tests/auth) is raised here so that it does not answer 429 to the fixtures' own sign-ins."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_config(app_config):
    return {**app_config, "LOGIN_RATE_LIMIT": "100000 per minute"}
