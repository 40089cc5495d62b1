"""fragment(): a theme partial rendered with only its arguments, kept rendered under the theme's and the
content's revisions (forecourt/themes/fragments.py)."""

import pytest

from forecourt.themes import fragments, storage

from . import factories
from . import themes_support as ts

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"
PROBE = ("[{{ word }}|user={{ user is defined }}|csrf={{ csrf_input is defined }}|nonce={{ csp_nonce is defined }}"
         "|messages={{ messages is defined }}|path={{ request_path is defined }}|{{ url('catalogue') }}]")


def home_with(partial: str, call: str = '{{ fragment("partials/probe.html", word=word) }}') -> None:
    ts.store(name="acme", views__home_DOT_html='{% extends layout %}{% block content %}{% set word = "w" ~ user.id '
             "if user else 'anon' %}" + call + "{% endblock %}", partials__probe_DOT_html=partial)
    storage.activate("acme", None)


@pytest.fixture
def renders(monkeypatch):
    """How many times a fragment was rendered rather than read back."""
    count: list[str] = []
    real = fragments.shared.cached_bytes

    def counting(name, parts, compute):
        return real(name, parts, lambda: count.append(parts[2]) or compute())

    monkeypatch.setattr(fragments.shared, "cached_bytes", counting)
    return count


def sign_in(client, user):
    user.set_password(PASSWORD)
    user.save()
    assert client.post("/auth/password/login", {"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_fragment_sees_its_arguments_and_the_shared_helpers_only(client):
    home_with(PROBE)
    consumer = factories.consumer()
    sign_in(client, consumer)
    page = client.get("/").content.decode()
    assert (f"[w{consumer.pk}|user=False|csrf=False|nonce=False|messages=False|path=False|/catalogue-products]"
            in page), page


def test_a_fragment_is_rendered_once_per_arguments_and_revision(client, renders):
    home_with("[{{ word }}]")
    first, second = factories.consumer(), factories.consumer()
    sign_in(client, first)
    assert f"[w{first.pk}]" in client.get("/").content.decode()
    assert f"[w{first.pk}]" in client.get("/").content.decode()
    assert renders == ["partials/probe.html"]
    client.logout()
    sign_in(client, second)  # other arguments: rendered apart, never the first user's
    assert f"[w{second.pk}]" in client.get("/").content.decode()
    assert len(renders) == 2
    factories.product(display_name="Anything")  # new content: a new revision, rendered again
    assert f"[w{second.pk}]" in client.get("/").content.decode()
    assert len(renders) == 3


def test_a_fragment_counts_against_the_page_budget(client, caplog):
    home_with("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    response = client.get("/")
    assert response.status_code == 200
    assert "Acme home" not in response.content.decode()  # the default theme's page, as for any theme error
    assert any("probe.html" in r.getMessage() or "took more" in r.getMessage() for r in caplog.records)


def test_the_default_catalogue_renders_its_cards_through_a_fragment(client, renders):
    catalogue = factories.catalogue(products=[factories.product(display_name="Weather", published=True)])
    assert catalogue.products.count() == 1
    consumer = factories.consumer()
    sign_in(client, consumer)
    assert "Weather" in client.get("/catalogue-products").content.decode()
    assert "Weather" in client.get("/catalogue-products").content.decode()
    assert renders == ["partials/catalogue_product_grid.html"]
