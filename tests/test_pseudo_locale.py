"""The pseudo-locale the "no untranslated text on a page" tests stand on (tests/support/pseudo_locale.py):
a marked text comes out pseudo, with its placeholders working, and a text nobody marked is reported."""

import re

import pytest
from django.template import Context, Template
from django.utils import translation
from jinja2 import DictLoader

from forecourt.themes.rendering import render_template
from forecourt.themes.sandbox import PortalSandbox

from .support import pseudo_locale
from .support.pseudo_locale import pseudo, untranslated


def test_pseudo_text_keeps_placeholders_tags_and_entities():
    text = 'Hello %(name)s, %d of %s at 100%% {count} <a href="/x?a=b">keys</a> &amp; &#8212; more'
    out = pseudo(text)
    assert out.startswith(pseudo_locale.OPEN) and out.endswith(pseudo_locale.CLOSE)
    kept = ["%(name)s", "%d", "%s", "%%", "{count}", '<a href="/x?a=b">', "</a>", "&amp;", "&#8212;"]
    assert pseudo_locale.KEPT.findall(out) == kept
    assert not re.search("[A-Za-z]", pseudo_locale.KEPT.sub("", out))  # every other letter replaced
    assert out == "⟦Ĥéļļö %(name)s, %d öƒ %s åţ 100%% {count} <a href=\"/x?a=b\">ķéýš</a> &amp; &#8212; ɱöŕé⟧"
    assert pseudo("100% sure, 5% discount") == "⟦100% šûŕé, 5% ðîšçöûñţ⟧"  # text, not "% s" or "% d"


def test_marked_text_is_pseudo_and_unmarked_text_is_reported(tmp_path):
    """Django's own texts are in the pseudo catalogue too (its form errors, its plurals), as the portal's are."""
    source = ('{% load i18n %}<h1>{% translate "This field is required." %}</h1>'
              '<p title="{% translate "Enter a valid value." %}">Not marked</p>')
    with pseudo_locale.active(tmp_path) as language:
        assert translation.get_language() == language == "en-xa"
        html = Template(source).render(Context())
        years = [translation.ngettext("%(num)d year", "%(num)d years", n) % {"num": n} for n in (1, 3)]
    assert html == ('<h1>⟦Ţĥîš ƒîéļð îš ŕéǫûîŕéð.⟧</h1><p title="⟦Éñţéŕ å ṽåļîð ṽåļûé.⟧">Not marked</p>')
    assert years == ["⟦1 ýéåŕ⟧", "⟦3 ýéåŕš⟧"]
    assert untranslated(html) == ["<p>: Not marked"]
    assert not translation.get_language_bidi()
    assert translation.gettext("This field is required.") == "This field is required."  # gone with the block


def test_a_shipped_language_can_stand_in_for_the_pseudo_one(tmp_path):
    """Where only the shipped languages may be chosen, the pseudo catalogue takes one of their codes: it is
    the only catalogue Django reads then, and comes before Django's own German, so no German shows."""
    with pseudo_locale.active(tmp_path, "de"):
        required = translation.gettext("This field is required.")
        month = Template("{% load i18n %}{% translate 'December' %}").render(Context())
    assert (required, month) == ("⟦Ţĥîš ƒîéļð îš ŕéǫûîŕéð.⟧", "⟦Ðéçéɱƀéŕ⟧")
    with translation.override("de"):
        assert translation.gettext("This field is required.") == "Dieses Feld ist zwingend erforderlich."


def test_the_pseudo_language_can_be_one_written_right_to_left(tmp_path):
    with pseudo_locale.active(tmp_path, right_to_left=True):
        assert translation.get_language_bidi()
        assert Template("{% load i18n %}{% get_current_language_bidi as rtl %}{{ rtl }}").render(Context()) == "True"
    assert not translation.get_language_bidi()


def test_django_templates_plurals_and_placeholders_work_in_pseudo(tmp_path):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    template = Catalog()
    template.add(("%(num)s app", "%(num)s apps"))
    template.add("Hello <b>%(name)s</b>, 100%% done")
    with (tmp_path / "t.pot").open("wb") as handle:
        write_po(handle, template)
    source = ("{% load i18n %}<p>{% blocktranslate count num=n %}{{ num }} app{% plural %}{{ num }} apps"
              "{% endblocktranslate %}</p><p>{% blocktranslate %}Hello <b>{{ name }}</b>, 100% done"
              "{% endblocktranslate %}</p>")
    with pseudo_locale.active(tmp_path / "locale", template=tmp_path / "t.pot", with_django=False):
        html = [Template(source).render(Context({"n": n, "name": "Ann"})) for n in (1, 2)]
    assert html[0] == "<p>⟦1 åþþ⟧</p><p>⟦Ĥéļļö <b>Ann</b>, 100% ðöñé⟧</p>"
    assert html[1].startswith("<p>⟦2 åþþš⟧</p>")
    assert untranslated(html[0], data=["Ann"]) == []


def test_theme_templates_translate_through_the_same_catalogue(tmp_path):
    env = PortalSandbox(DictLoader({"t.html": (
        "<p>{{ _('Ensure this value is less than or equal to %(limit_value)s.', limit_value=who) }}</p>"
        "<p>{{ ngettext('%(num)d year', '%(num)d years', 1) }}</p><button>Save</button>")}))
    with pseudo_locale.active(tmp_path):
        html = render_template(env, "t.html", {"who": "<Ann>"})
    assert "<p>⟦Éñšûŕé ţĥîš ṽåļûé îš ļéšš ţĥåñ öŕ éǫûåļ ţö &lt;Ann&gt;.⟧</p>" in html  # escaped, then formatted
    assert "<p>⟦1 ýéåŕ⟧</p>" in html
    assert untranslated(html, data=["Ann"]) == ["<button>: Save"]


def _key(msgid):
    """A message's id as a set member: plural ids come as a tuple from a .po and as a list from a .mo."""
    return tuple(msgid) if isinstance(msgid, (list, tuple)) else msgid


def test_the_portals_own_texts_are_in_the_catalogue(tmp_path):
    """Every text of the committed template (src/forecourt/locale/django.pot) has its pseudo form."""
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    pseudo_locale.build(tmp_path, with_django=False)
    with pseudo_locale.TEMPLATE.open("rb") as handle:
        wanted = {(_key(m.id), m.context) for m in read_po(handle) if m.id}
    with (tmp_path / "en_XA" / "LC_MESSAGES" / "django.mo").open("rb") as handle:
        built = read_mo(handle)
    assert {(_key(m.id), m.context) for m in built if m.id} == wanted


@pytest.mark.parametrize(("html", "found"), [
    # Scripts, styles, code and the like are no interface text; translate="no" is HTML's own way to say so.
    (("<script>var a = 'x';</script><style>p{color:red}</style><pre>GET /pets</pre><code>id</code>"
     "<kbd>Ctrl</kbd><textarea>typed</textarea>"), []),
    ('<div translate="no"><div>Acme</div><b>Ltd</b></div><p>After</p>', ["<p>: After"]),
    # Attributes people see or hear are text too; a button input's value is.
    (('<img alt="Logo"><input placeholder="Search"><a title="⟦Ĥöɱé⟧" aria-label="Home">x</a>'
     '<input type="submit" value="Go"><input type="hidden" value="token">'),
     ["<img alt>: Logo", "<input placeholder>: Search", "<a aria-label>: Home", "<a>: x", "<input value>: Go"]),
    # Pseudo text glued to an unmarked word: the word shows. Digits and punctuation alone are fine.
    ("<p>⟦Šîĝñ îñ⟧ now</p><td>1,024 · 12:30 — 3%</td>", ["<p>: ⟦Šîĝñ îñ⟧ now"]),
    # Entities are read as the text they stand for; elements left open do not hide what follows.
    ("<p>Fish &amp; chips<p>⟦Ļåţéŕ⟧</li></ul><span>Tail</span>", ["<p>: Fish & chips", "<span>: Tail"]),
])
def test_untranslated_finds_visible_text_that_is_not_pseudo(html, found):
    assert untranslated(html) == found


def test_untranslated_leaves_out_the_users_data():
    html = "<p>⟦Ŵéļçöɱé, %s⟧</p>".replace("%s", "Ann Lee") + "<td>ann@example.com</td><td>v2 API</td>"
    assert untranslated(html, data=["Ann", "Ann Lee", re.compile(r"\S+@example\.com")]) == ["<td>: v2 API"]
