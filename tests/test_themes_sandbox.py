"""Theme templates are untrusted: known server-side template injection payloads reach neither
Python internals, the settings, the database nor the file system, and cannot exhaust the server."""

import pytest
from jinja2.exceptions import SecurityError, TemplateNotFound

from forecourt.themes import paths, storage
from forecourt.themes.context import asset_helper, csrf_helpers, url_helper
from forecourt.themes.loader import ThemeLoader
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
    ts.store(name="one", **{"partials__secret_DOT_html": "one's secret"})
    ts.store(name="two")
    env = PortalSandbox(ThemeLoader([storage.source("two"), storage.bundled()]))
    with pytest.raises(TemplateNotFound):
        env.get_template("partials/secret.html")
