"""Theme templates are untrusted: known server-side template injection payloads reach neither
Python internals, the settings, the database nor the file system, and cannot exhaust the server."""

import logging
import time

import pytest
from jinja2.exceptions import SecurityError, TemplateNotFound

from forecourt.themes import budget, paths, problems, storage
from forecourt.themes.context import asset_helper, csrf_helpers, url_helper
from forecourt.themes.loader import ThemeLoader
from forecourt.themes.models import ThemeState
from forecourt.themes.rendering import render_template
from forecourt.themes.sandbox import PortalSandbox, RenderLimit, markdown
from forecourt.themes.validate import StagedSource

from . import themes_support as ts


def env_with(**templates):
    files = {k.replace("__", "/").replace("_DOT_", "."): v.encode() for k, v in templates.items()}
    manifest = storage.bundled().manifest
    return PortalSandbox(ThemeLoader([StagedSource(manifest, files), storage.bundled()]))


def run(source: str, **context) -> str:
    env = env_with(views__t_DOT_html=source)
    helpers = {"url": url_helper(), "asset": asset_helper(storage.bundled()), **csrf_helpers(None)}
    return render_template(env, "views/t.html", {"x": 1, "user": {"email": "a@example.com"}, **helpers, **context})


@pytest.mark.parametrize("payload", [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ x|attr('__class__') }}",
    "{{ user|attr('__class__') }}",
    "{{ '{0.__class__}'.format(x) }}",
    "{{ '{a.__class__.__mro__}'.format_map({'a': x}) }}",
    "{{ url.__globals__ }}",
    "{{ asset.__closure__ }}",
    "{{ user.__class__.__base__.__subclasses__() }}",
    "{{ user['__class__'] }}",
    "{% set d = {} %}{{ d.update({'a': 1}) }}",
    "{{ [1].append(2) }}",
])
def test_injection_payloads_are_refused(payload):
    with pytest.raises(SecurityError):
        run(payload)


@pytest.mark.parametrize("payload", ["{{ config }}", "{{ request }}", "{{ settings }}", "{{ lipsum }}",
                                     "{{ get_flashed_messages }}", "{{ self.__dict__ }}"])
def test_server_objects_are_not_there(payload):
    try:
        out = run(payload)
    except Exception as exc:  # an error is fine, leaking is not
        assert "SECRET" not in str(exc)
    else:
        assert out == ""


def test_lipsum_is_gone_so_its_globals_are_unreachable():
    with pytest.raises(Exception) as caught:
        run("{{ lipsum.__globals__ }}")
    assert "os" not in str(caught.value).split()


@pytest.mark.parametrize("name", ["/etc/passwd", "../../settings.py", "../settings.py", "views/../../x.html",
                                  "C:/windows/win.ini", "views\\t.html", "theme.json", "assets/css/portal.css",
                                  "settings.py", "views/./t.html"])
def test_include_outside_the_theme_templates_is_not_found(name):
    with pytest.raises(TemplateNotFound):
        run("{% include '" + name + "' %}")


def test_import_and_extends_go_through_the_same_loader():
    with pytest.raises(TemplateNotFound):
        run("{% extends '/etc/passwd' %}")
    with pytest.raises(TemplateNotFound):
        run("{% from '../../settings.py' import SECRET_KEY %}")


@pytest.mark.parametrize("payload", [
    "{{ range(10**9)|list }}",
    "{{ range(100000)|list|length }}",
    "{% for i in range(5000) %}{% for j in range(5000) %}{% endfor %}{% endfor %}",
    "{{ 'x' * 10**8 }}",
    "{{ [1] * 10**8 }}",
    "{{ 10 ** (10 ** 10) }}",
    "{{ 2 ** 100000 }}",
    "{{ '%999999999d' % 1 }}",
    "{{ '%*d'|format(999999999, 1) }}",
    "{{ '{:999999999}'.format(1) }}",
    "{{ '{:{w}}'.format(1, w=999999999) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ 'x'.ljust(999999999) }}",
    "{{ 'x'.zfill(999999999) }}",
    "{{ ('x' * 100000).replace('x', 'x' * 100) }}",
    "{{ [1, 2]|slice(999999999) }}",
    "{{ ('x' * 1000)|indent(999999) }}",
    "{{ ('y' * 100000).join(range(10000)) }}",
])
def test_resource_abuse_is_limited(payload):
    with pytest.raises(SecurityError):
        run(payload)


def test_page_size_is_limited():
    with pytest.raises(RenderLimit):
        run("{% for i in range(10000) %}{{ 'x' * 1000 }}{% endfor %}")


def test_ordinary_templates_still_work():
    out = run("{% for i in range(3) %}{{ i }}{% endfor %}|{{ '%05d'|format(42) }}|{{ '{:>4}'.format('a') }}|"
              "{{ 'ab' * 2 }}|{{ 2 ** 8 }}|{{ [3, 1, 2]|sort|join(',') }}|{{ 'x'|center(5) }}|"
              "{% for i in range(10) %}{% if i > 1 %}{% break %}{% endif %}{{ i }}{% endfor %}")
    assert out == "012|00042|   a|abab|256|1,2,3|  x  |01"


def test_output_is_autoescaped_in_html_and_not_in_text():
    env = env_with(views__t_DOT_html="{{ v }}", mailers__t_DOT_txt="{{ v }}")
    assert render_template(env, "views/t.html", {"v": "<script>"}) == "&lt;script&gt;"
    assert render_template(env, "mailers/t.txt", {"v": "<b>"}) == "<b>"


def test_markdown_filter_sanitises():
    html = str(markdown("# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
                        "<img src=x onerror=alert(1)> **bold**"))
    assert "<h1>Hi</h1>" in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html


def test_paths_refuse_traversal_and_hidden_files():
    for bad in ("", "/x", "../x", "a/../b", "a//b", "a\\b", ".git/config", "a/.hidden", "C:/x", "x\x00y"):
        with pytest.raises(paths.BadPath):
            paths.clean(bad)
    assert paths.clean("assets/css/site.min.css") == "assets/css/site.min.css"


def test_stored_theme_cannot_read_files_of_another_theme(db):
    ts.store(name="one", partials__secret_DOT_html="one's secret")
    ts.store(name="two")
    env = PortalSandbox(ThemeLoader([storage.source("two"), storage.bundled()]))
    with pytest.raises(TemplateNotFound):
        env.get_template("partials/secret.html")


# -- the render budget: every loop item, call and include counts; every string or list made too --------
# Payloads from the security review (issue 14, item 2) and variants. Without the budget each of them
# ran for seconds to minutes or allocated far past the limits; now each ends quickly with RenderLimit.
LONG = "{% set s = 'x' * 23000 %}"
NUMBERS = "{% set l = range(10000)|list %}"
DOUBLE = "{% set ns = namespace(s='x') %}{% for i in range(26) %}{% set ns.s = EXPR %}{% endfor %}{{ ns.s|length }}"
SHARED = "{% set a = ['x' * 100] * 1000 %}{% set b = [a] * 40 %}"  # 4 M characters as text, from 1,040 items
BUDGET_PAYLOADS = {
    "nested loops over a string": LONG + "{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
    "nested loops over a list": NUMBERS + "{% for a in l %}{% for b in l %}{% endfor %}{% endfor %}",
    "nested loops over dict items": "{% set d = {'a': 'x' * 23000} %}"
                                    "{% for k, v in d.items() %}{% for a in v %}{% for b in v %}{% endfor %}"
                                    "{% endfor %}{% endfor %}",
    "a loop filter dropping every item": LONG + "{% for a in s %}{% for b in s if false %}{% endfor %}{% endfor %}",
    "a recursive loop": LONG + "{% for x in [s] * 1000 if x != 'x' recursive %}{{ loop(x) }}{% endfor %}",
    "~ doubling": DOUBLE.replace("EXPR", "ns.s ~ ns.s"),
    "+ doubling a string": DOUBLE.replace("EXPR", "ns.s + ns.s"),
    "+ doubling a list": DOUBLE.replace("'x'", "[1]").replace("EXPR", "ns.s + ns.s"),
    "a {% set %} block doubling": DOUBLE.replace("{% set ns.s = EXPR %}", "{% set t %}{{ ns.s }}{{ ns.s }}{% endset %}"
                                                 "{% set ns.s = t %}"),
    "a macro doubling": "{% macro twice(s) %}{{ s }}{{ s }}{% endmacro %}" + DOUBLE.replace("EXPR", "twice(ns.s)"),
    "* making many large strings": "{% for i in range(10000) %}{% set t = 'x' * 999999 %}{% endfor %}",
    "replace making many large strings": "{% set s = 'x' * 450000 %}{% for i in range(1000) %}"
                                         "{% set t = s|replace('x', 'yy') %}{% endfor %}",
    "batch": "{{ [1]|batch(30000000, 0)|list|length }}",
    "slice": "{% set s = 'x' * 1000000 %}{% for i in range(100) %}{% set t = s|slice(3)|list %}{% endfor %}",
    "list": "{% set s = 'x' * 1000000 %}{% for i in range(100) %}{% set l = s|list %}{% endfor %}",
    "format repeating a value": "{{ (('%(a)s' * 1000)|format(a='x' * 100000))|length }}",
    "str.format repeating a value": "{{ (('{0}' * 1000).format('x' * 100000))|length }}",
    "wordwrap": "{{ (('x ' * 100000)|wordwrap(1, wrapstring='y' * 1000))|length }}",
    "map": "{% set s = 'x' * 100000 %}{% for i in range(100) %}{{ s|map('upper')|list|length }}{% endfor %}",
    "sum": "{{ ([[1] * 1000] * 1000)|sum(start=[])|length }}",
    "dictsort": "{% set s = 'x' * 2000 %}{% for a in s %}{% for b in s %}{% set d = {'a': 1}|dictsort %}"
                "{% endfor %}{% endfor %}",
    "unique": "{% set s = 'x' * 100000 %}{% for i in range(100) %}{{ s|unique|list }}{% endfor %}",
    "a macro calling itself": "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}"
                              "{{ f(40) }}",
    "an include loop": "{% set n = (n or 40) - 1 %}{% if n > 0 %}{% include 'views/t.html' %}"
                       "{% include 'views/t.html' %}{% endif %}",
    "printing a list of shared lists": SHARED + "{{ b }}",
    "~ with a list of shared lists": SHARED + "{{ ('x' ~ b)|length }}",
    "join of lists of shared lists": SHARED + "{{ ([b, b]|join)|length }}",
    "string of a list of shared lists": SHARED + "{{ (b|string)|length }}",
    "tojson of a list of shared lists": SHARED + "{{ (b|tojson)|length }}",
    "% with a list of shared lists": SHARED + "{{ ('%s' % (b,))|length }}",
    "str.expandtabs": "{{ (('\t' * 100000).expandtabs(1000))|length }}",
    "str.expandtabs by keyword": "{{ (('\\t' * 100000).expandtabs(tabsize=1000))|length }}",
    "str.translate": "{{ (('x' * 100000).translate({120: 'y' * 1000}))|length }}",
    "urlize": "{{ (('www.a.co ' * 10000)|urlize(target='y' * 1000))|length }}",
}


@pytest.fixture
def short_deadline(monkeypatch):
    """A 1 s deadline, so that a payload the other limits miss still ends well within the test's bound."""
    monkeypatch.setattr(budget, "MAX_SECONDS", 1.0)


@pytest.mark.parametrize("payload", list(BUDGET_PAYLOADS.values()), ids=list(BUDGET_PAYLOADS))
def test_budget_ends_runaway_templates_quickly(payload, short_deadline):
    start = time.monotonic()
    with pytest.raises(RenderLimit):
        run(payload)
    assert time.monotonic() - start < 4.0


def test_each_loop_item_is_a_step_whatever_the_loop_body(monkeypatch):
    monkeypatch.setattr(budget, "MAX_STEPS", 1000)
    assert run("{% for i in range(990) %}{% endfor %}ok") == "ok"
    with pytest.raises(RenderLimit, match="1000 steps"):
        run("{% for i in range(600) %}{% endfor %}{% for c in 'x' * 600 %}{% endfor %}")
    with pytest.raises(RenderLimit, match="1000 steps"):  # a recursive loop's deeper levels count too
        run("{% for x in ['x' * 2000] if x != 'x' recursive %}{{ loop(x) }}{% endfor %}")


def test_the_deadline_is_checked_in_loops_that_call_nothing(monkeypatch):
    monkeypatch.setattr(budget, "MAX_SECONDS", 0.0)
    with pytest.raises(RenderLimit, match="0 seconds"):
        run("{% for c in 'abc' %}{% endfor %}")


def test_a_block_called_again_is_checked_before_it_is_joined():
    with pytest.raises(RenderLimit):
        run("{% if false %}{% block b %}{% for i in range(2000) %}{{ 'x' * 999999 }}{% endfor %}{% endblock %}"
            "{% endif %}{{ self.b()|length }}")


def test_limits_apply_outside_a_render_too():
    env = env_with(views__t_DOT_html="{% set s = 'x' * 600000 %}{{ (s ~ s)|length }}")
    with pytest.raises(RenderLimit):
        env.get_template("views/t.html").render()


def test_budgeted_templates_still_work():
    out = run("{% set ns = namespace(s='') %}{% for c in 'abc' if c != 'b' %}{% set ns.s = ns.s ~ c + '.' %}"
              "{% endfor %}{{ ns.s }}|{{ [1, 2] + [3] }}|{{ ['a', 'b']|join('-') }}|{{ [[1], [2]]|sum(start=[]) }}|"
              "{{ [1, 2, 3]|batch(2, 0)|list }}|{{ 'a b'|replace(' ', '_') }}|{{ '{}-{}'.format(1, 'x') }}|"
              "{{ 'x'.ljust(3, '.') }}|{{ {'b': 1, 'a': 2}|dictsort }}|{{ [1, 2]|tojson }}|{{ 'x\ny'|indent(2) }}|"
              "{% for x in [[1, [2]]] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}"
              "{% endfor %}|{{ [{'a': 'x'}]|map(attribute='a')|join }}|{{ 'ab'|list|unique|join }}")
    assert out == ("a.c.|[1, 2, 3]|a-b|[1, 2]|[[1, 2], [3, 0]]|a_b|1-x|x..|[(&#39;a&#39;, 2), (&#39;b&#39;, 1)]|"
                   "[1, 2]|x\n  y|12|x|ab")


def test_a_runaway_home_page_falls_back_to_the_default_theme_with_an_error_logged(db, client, caplog, short_deadline):
    problems.reset_throttle()
    client.get("/")  # the first request's imports are not the template's time
    ts.store(name="acme", views__home_DOT_html="{% extends layout %}{% block content %}\n"
                                               + BUDGET_PAYLOADS["nested loops over a string"] + "{% endblock %}")
    storage.activate("acme", None)
    start = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="forecourt.themes"):
        response = client.get("/")
    assert time.monotonic() - start < 4.0
    assert response.status_code == 200 and "Build with our APIs" in response.content.decode()
    record = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "views/home.html, line 2: RenderLimit" in record.getMessage() and "steps" in record.getMessage()
    assert ThemeState.objects.get(pk=1).problem_theme == "acme"


def test_translation_tags_escape_and_choose_the_plural():
    """`_()` / `{% trans %}` are new-style: the translated text is escaped before the arguments go in,
    and `{% pluralize %}` picks the form by the count (issue 21)."""
    out = run("{{ _('Hello %(name)s', name=who) }}|{% trans count=n %}{{ count }} app{% pluralize %}"
              "{{ count }} apps{% endtrans %}|{{ ngettext('%(num)d key', '%(num)d keys', 1) }}",
              who="<b>", n=3)
    assert out == "Hello &lt;b&gt;|3 apps|1 key"


def test_translation_tags_cannot_reach_around_the_sandbox():
    """The gettext callables are globals like any other: their attributes stay out of reach."""
    with pytest.raises(SecurityError):
        run("{{ _.__globals__ }}")
