"""The templates' ``url_for`` remembers the links it built (``fieldapp.rendering``): each is
what Flask's own builds, for the same endpoint and values, under each mount point; the ones
it must not remember go to Flask each time."""

from __future__ import annotations

import pytest
from flask import render_template_string, url_for
from werkzeug.routing import BuildError

CALLS = [
    ("visits.detail", {"visit_id": 7}),
    ("visits.detail", {"visit_id": 8}),
    ("families.roster", {"school_id": 1, "page": 2, "grade": "3"}),
    ("families.roster", {"school_id": 1, "q": "Ana & <b>", "page": 2}),
    ("admin.home", {}),
    ("admin.home", {"q": "ñandú"}),
    ("auth.login", {"next": "/visits/?a=1&b=2"}),
    ("static", {"filename": "app.css"}),
    ("visits.detail", {"visit_id": 7, "_anchor": "contact-log"}),
    ("visits.detail", {"visit_id": 7, "_external": True}),
    ("rounds.assign", {"round_id": 3, "visits": [1, 2]}),  # a list: not a key
]


@pytest.mark.parametrize("root", ["", "/district"])
def test_each_link_is_flask_s_own_under_each_mount_point(app, root):
    base = f"http://localhost{root}/"
    template = "{{ url_for(endpoint, **values) }}"
    for _ in range(2):  # the second time from what was kept
        for endpoint, values in CALLS:
            with app.test_request_context("/", base_url=base):
                ours = render_template_string(template, endpoint=endpoint, values=values)
                assert ours == str(render_template_string("{{ e }}", e=url_for(endpoint, **values)))
                if root and not values.get("_external"):
                    assert ours.startswith(root + "/")


def test_a_blueprint_relative_link_follows_the_request(app):
    with app.test_request_context("/visits/"):
        from flask import request

        request.url_rule = app.url_map._rules_by_endpoint["visits.my_visits"][0]
        assert render_template_string("{{ url_for('.detail', visit_id=5) }}") == "/visits/5"


def test_an_unknown_endpoint_is_still_an_error(app):
    with app.test_request_context("/"), pytest.raises(BuildError):
        render_template_string("{{ url_for('no.such_page') }}")
