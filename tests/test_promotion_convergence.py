"""A second apply of the same file changes nothing, in process: found by the round trip between two
portals (tests/test_promotion_round_trip.py) and pinned here, each where it happens.

- A new organisation's form makes its default team: the file's `Default Team` under it is that team,
  completed, not a second one refused as a duplicate (which refused every new organisation).
- Django's text fields strip surrounding whitespace: a hand-written `content: |` ends with a newline
  the portal never keeps; compared as written it was a change at every plan.
"""

import pytest

from forecourt.accounts.models import Team
from forecourt.catalog.models import ProductDoc
from forecourt.promotion import apply as applying
from forecourt.promotion import plan as planning
from forecourt.promotion import reading
from tests import factories

pytestmark = pytest.mark.django_db


def _apply(text: str) -> planning.Plan:
    return applying.apply(reading.read_texts({"c.yaml": text}))


def _plan(text: str) -> planning.Plan:
    return planning.make_plan(reading.read_texts({"c.yaml": text}))


def test_a_new_organisation_s_default_team_in_the_file_is_the_one_its_form_made():
    text = ("version: 1\norganisations:\n- name: Globex\n  teams:\n  - name: Default Team\n"
            "  - name: Backend\n")
    done = _apply(text)
    assert [(c.action, c.key) for c in done.changes] == [
        ("create", "Globex"), ("create", "Globex/Default Team"), ("create", "Globex/Backend")]
    teams = Team.objects.filter(organisation__name="Globex")
    assert sorted(teams.values_list("name", flat=True)) == ["Backend", "Default Team"]
    assert teams.get(is_default=True).name == "Default Team"
    assert _plan(text).empty


def test_text_is_compared_as_the_form_stores_it():
    product = factories.product(slug="payments", name="payments", display_name="Payments")
    ProductDoc.objects.create(product=product, title="Intro", content="Hello.", position=1)
    text = ("version: 1\nproducts:\n- slug: payments\n  description: |\n    Take payments.\n  docs:\n"
            "  - title: Intro\n    content: |\n      Hello.\n")
    plan = _plan(text)
    assert [(c.action, c.key, c.fields) for c in plan.changes] == [
        ("update", "payments", {"description": ("", "Take payments.")})]
    _apply(text)
    product.refresh_from_db()
    assert product.description == "Take payments."
    assert _plan(text).empty
    # A value stored with a newline the Admin Portal would not keep (written by a sync, say) is no
    # change either, against a file with or without one.
    ProductDoc.objects.filter(title="Intro").update(content="Hello.\n")
    assert _plan(text).empty
    assert _plan(text.replace("content: |\n      Hello.\n", "content: Hello.\n")).empty
    changed = _plan(text.replace("Hello.", "Hello, world."))
    assert [(c.key, c.fields) for c in changed.changes] == [
        ("payments/Intro", {"content": ("Hello.\n", "Hello, world.")})]
