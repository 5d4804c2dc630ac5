"""``_``, ``ngettext``, ``pgettext`` and ``{% trans %}`` in templates: the app's one-call versions
(``fieldapp.i18n._jinja_gettext``…) give what Jinja's own newstyle callables give, in English and
in Spanish, escaped in HTML and left alone in text."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from jinja2 import Environment

from fieldapp import i18n
from fieldapp.i18n import translations

TEMPLATES = [
    '{{ _("%(name)s family", name=name) }}',
    '{{ _("Team: %(names)s", names=name ~ " & Ann") }}',
    '{{ _("Open visits") }}|{{ gettext("Staff") }}',
    '{{ _("100%% of it, %(name)s", name=name) }}',
    '{{ _("<em>%(name)s</em> (not in the catalogue: its markup is the template\'s)", name=name) }}',
    '{{ ngettext("%(num)d visit shown.", "%(num)d visits shown.", 1) }}',
    '{{ ngettext("%(num)d visit shown.", "%(num)d visits shown.", 3) }}',
    '{{ ngettext("%(num)d person", "%(num)d people", 1, num=5) }}',
    '{{ pgettext("month", "May") }}|{{ npgettext("visits", "%(num)d open", "%(num)d open", 2) }}',
    "{% trans %}Hello {{ name }}{% endtrans %}",
    "{% trans count=2 %}{{ count }} visit{% pluralize %}{{ count }} visits{% endtrans %}",
]

NAME = "<b>O'Brien</b> & Sons"


def jinja_own(app) -> Environment:
    """An environment with Jinja's own newstyle callables on the same catalogue lookup."""
    env = Environment(extensions=["jinja2.ext.i18n"])  # not an overlay: it shares the globals
    env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    return env


@pytest.mark.parametrize("locale", ["en", "es"])
@pytest.mark.parametrize("autoescape", [True, False])
@pytest.mark.parametrize("source", TEMPLATES)
def test_the_apps_template_gettext_gives_what_jinjas_gives(app, locale, autoescape, source):
    wrapped = f"{{% autoescape {str(autoescape).lower()} %}}{source}{{% endautoescape %}}"
    with app.test_request_context("/"), force_locale(locale):
        ours = app.jinja_env.from_string(wrapped).render(name=NAME)
        theirs = jinja_own(app).from_string(wrapped).render(name=NAME)
    assert app.jinja_env.globals["_"] is i18n._jinja_gettext  # the app's still
    assert ours == theirs
    if "name" in source and "trans" not in source:
        assert ("&lt;b&gt;" in ours) is autoescape  # escaped in HTML, as written in text
        assert ("<b>O'Brien</b>" in ours) is not autoescape


def test_the_app_uses_its_own_callables(app):
    globals_ = app.jinja_env.globals
    assert globals_["_"] is globals_["gettext"] is i18n._jinja_gettext
    assert globals_["ngettext"] is i18n._jinja_ngettext


def test_a_translated_page_text_in_spanish(app):
    with app.test_request_context("/"), force_locale("es"):
        html = app.jinja_env.from_string('{{ _("Staff") }}').render()
    assert html == "Personal"
