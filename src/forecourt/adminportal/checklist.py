"""The dashboard's set-up checklist: the steps from an empty portal to a first approved key.

Why derived, never stored: a "done" flag would go stale the moment someone deletes the provider or
unpublishes the last product, and the checklist would then lie to the next admin. Each step is a
question asked of the data the portal already keeps, so it ticks itself (and unticks) as the data
changes. All the questions go to the database together, in one query of EXISTS tests
(counting.exists_each): the dashboard costs the same on an empty portal and on a busy one.

Mail and the theme are not rows to test but settings that the notify and themes packages read with
their own rules (`transport.missing_setting`, `storage.configured_active`): asked here through
those rules, never restated, so the checklist and the mail queue agree on what "configured" means.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from forecourt.access.models import AccessRequest, Credential
from forecourt.catalog.models import Catalogue, Product
from forecourt.notify import transport
from forecourt.portalconfig.models import PortalSettings
from forecourt.providers.models import Provider
from forecourt.sso.models import SsoProfile
from forecourt.themes import sources, storage

from . import counting
from .lists import StrOrPromise


@dataclass(frozen=True)
class Step:
    key: str
    title: StrOrPromise
    why: StrOrPromise
    url: str  # where the step is done; "" when this admin cannot go there (a super-admin's page)
    link_text: StrOrPromise
    done: bool
    optional: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: list[Step]

    @property
    def required(self) -> list[Step]:
        return [step for step in self.steps if not step.optional]

    @property
    def required_done(self) -> int:
        return sum(step.done for step in self.required)

    @property
    def complete(self) -> bool:
        """Every required step is done; the optional ones never hold the portal back."""
        return self.required_done == len(self.required)


def _list(slug: str, query: str = "") -> str:
    return reverse("adminportal:resource_list", kwargs={"slug": slug}) + query


def _new(slug: str) -> str:
    return reverse("adminportal:resource_create", kwargs={"slug": slug})


def _mail_configured() -> bool:
    """notify's own rule over the saved settings. Read, not `PortalSettings.load()`: that makes the row
    when there is none, and a GET of the dashboard should write nothing; unsaved defaults answer the
    same as a fresh row would."""
    saved = PortalSettings.objects.filter(pk=1).first() or PortalSettings()
    return transport.missing_setting(saved) is None


@dataclass(frozen=True)
class _Rule:
    key: str
    title: StrOrPromise
    why: StrOrPromise
    link_text: StrOrPromise
    url: Callable[[bool], str]  # is_super_admin -> URL ("" when not allowed there)
    rows: Callable[[], QuerySet[Any]] | None = None  # done when it has a row
    setting: Callable[[], bool] | None = None  # done when the setting says so
    optional: bool = False


# The order an owner would follow. Each rule is a filter of one table (an EXISTS over an index or
# a small table), never a loop over rows.
RULES: tuple[_Rule, ...] = (
    _Rule("provider", _("Connect a provider"),
          _("Products and plans come from the gateway's policies, so the portal needs its API gateway first."),
          _("Add a provider"), lambda _: _new("providers"),
          rows=lambda: Provider.objects.all()),
    _Rule("sync", _("Sync the provider"),
          _("A successful sync imports the gateway's policies as products and plans."),
          _("Providers"), lambda _: _list("providers"),
          rows=lambda: Provider.objects.filter(status=Provider.Status.UP, last_synced_at__isnull=False)),
    _Rule("publish", _("Publish a product"),
          _("Consumers see only published products in the Live Portal."),
          _("Products"), lambda _: _list("products"),
          rows=lambda: Product.objects.filter(published=True)),
    _Rule("catalogue", _("Offer a published product in a catalogue"),
          _("Catalogues decide who sees a product and with which plans; access is requested through one."),
          _("Catalogues"), lambda _: _list("catalogues"),
          rows=lambda: Catalogue.products.through.objects.filter(product__published=True)),
    _Rule("mail", _("Set up e-mail (SMTP)"),
          _("Sign-up activation, password resets and access-request notices are sent by e-mail."),
          _("Settings"), lambda super_admin: reverse("adminportal:settings") if super_admin else "",
          setting=lambda: _mail_configured()),
    _Rule("approve", _("Approve a first access request"),
          _("A consumer asks for access to a plan from the Live Portal; an admin (or auto-approval) decides."),
          _("Access requests"), lambda _: _list("access-requests", "?status=pending"),
          rows=lambda: AccessRequest.objects.filter(status=AccessRequest.Status.APPROVED)),
    _Rule("credential", _("Issue a first credential"),
          _("The goal: a consumer holding a working key or OAuth client made at the gateway."),
          _("Credentials"), lambda _: _list("credentials"),
          rows=lambda: Credential.objects.exclude(status=Credential.Status.PENDING)),
    _Rule("theme", _("Customise the Live Portal's look"),
          _("The built-in default theme works as it is; upload your own to match your brand."),
          _("Themes"), lambda _: reverse("themes:list"),
          setting=lambda: storage.configured_active() != sources.DEFAULT, optional=True),
    _Rule("sso", _("Set up single sign-on"),
          _("Lets consumers or admins sign in with your identity provider instead of a portal password."),
          _("SSO profiles"), lambda _: _list("sso-profiles"),
          rows=lambda: SsoProfile.objects.filter(enabled=True), optional=True),
)


def build(is_super_admin: bool) -> Checklist:
    """Every step with whether it is done now: one query for the row tests, plus the settings'
    own cached reads."""
    row_rules = [rule for rule in RULES if rule.rows is not None]
    found = dict(zip((rule.key for rule in row_rules),
                     counting.exists_each([rule.rows() for rule in row_rules if rule.rows is not None]), strict=True))
    steps = []
    for rule in RULES:
        done = found[rule.key] if rule.rows is not None else bool(rule.setting and rule.setting())
        steps.append(Step(rule.key, rule.title, rule.why, rule.url(is_super_admin), rule.link_text, done,
                          rule.optional))
    return Checklist(steps)
