"""Two portals' contents for the configuration-as-code round trip (tests/test_promotion_round_trip.py).

Run in a child process (`python -m tests.support.promotion_seed staging|production|change`) against
the database PORTAL_* points at, so the rows are committed where `forecourt export`, `plan` and
`apply` subprocesses read them:

- `staging`: the set-up a team builds before promoting it: a provider (its API key from
  $SEED_PROVIDER_SECRET), two organisations with teams, two products with an API, documents, a
  specification and a logo, two plans, a private catalogue with audiences and a public one, a page.
- `production`: a portal with a history (rows made and deleted first, so its database IDs differ
  from staging's) and a consumer's data (an app, an access request, a credential) tied to an older
  version of staging's product, plan and catalogue, which promotion must update and never touch.
- `change`: the next change in staging: one product's display name, one plan's rate, one page's
  title, and a team removed (which only a pruning apply removes from production).

Text is as the Admin Portal stores it (its forms strip surrounding whitespace), so that production's
export after the apply can be byte-identical to staging's.

The provider's URL is a loopback address: creating a provider queues its first sync, and with no
worker running it never runs, so nothing is called.
"""

import os
import sys

STAGING_ADMIN = "staging-admin@example.com"
PRODUCTION_ADMIN = "production-admin@example.com"
PROVIDER = "Tyk"
# A real PNG's signature and header: the product form checks an image by its content.
LOGO = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        + bytes(range(256)))
OPENAPI = """openapi: 3.0.3
info:
  title: Payments
  version: "1.0"
paths:
  /payments:
    get:
      summary: List payments
      responses:
        "200":
          description: The payments
"""


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()


def staging() -> None:
    from django.core.files.base import ContentFile

    from forecourt.accounts import services
    from forecourt.catalog.models import Catalogue, CatalogueAudience, ProductAPI, ProductDoc, ProductSpec
    from forecourt.content.models import ContentBlock, Page
    from forecourt.providers.models import Provider
    from tests import factories

    services.bootstrap(STAGING_ADMIN, "a-long-passphrase", "Stella", "Staging")
    provider = Provider.objects.create(name=PROVIDER, url="http://127.0.0.1:3000",
                                       secret=os.environ["SEED_PROVIDER_SECRET"], org_id="org-staging",
                                       policy_tags=["portal", "public"],
                                       gateway_url="https://gateway.example.com")
    acme = factories.organisation("Acme")
    platform = factories.team(acme, "Platform")
    factories.team(acme, "Payments")
    globex = factories.organisation("Globex")
    payments = factories.product(name="payments", slug="payments", display_name="Payments",
                                 description="Take payments.", content="# Payments\n\nTake payments, **safely**.",
                                 tags=["money", "β"], published=True, provider=provider, reference_id="pol-payments")
    payments.logo.save("logo.png", ContentFile(LOGO), save=True)
    ProductAPI.objects.create(product=payments, api_id="api-payments", name="Payments API", listen_path="/payments/",
                              auth_type="authToken", document_source="portal", oas_document=OPENAPI)
    ProductDoc.objects.create(product=payments, title="Getting started", position=1,
                              content="1. Ask for access.\n2. Call the API.")
    ProductDoc.objects.create(product=payments, title="Errors", position=2, content="Errors are JSON.")
    ProductSpec.objects.create(product=payments, name="Payments v1", spec_alias="payments-v1", oas_document=OPENAPI)
    weather = factories.product(name="weather", slug="weather", display_name="Weather", documentation_only=True,
                                published=True, description="Forecasts, read only.")
    gold = factories.plan(name="Gold", display_name="Gold", description="For production traffic.",
                          rate_limit=1000, rate_per=60, quota_unlimited=False, quota_max=100000,
                          quota_renewal_seconds=86400, key_expires_in=31536000, provider=provider,
                          reference_id="pol-gold")
    free = factories.plan(name="Free", display_name="Free", auto_approve=True, rate_limit=10)
    partners = Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PRIVATE)
    partners.products.set([payments])
    partners.plans.set([gold])
    CatalogueAudience.objects.create(catalogue=partners, organisation=acme, team=platform)
    CatalogueAudience.objects.create(catalogue=partners, organisation=globex)
    public = Catalogue.objects.create(name="Public", visibility=Catalogue.Visibility.PUBLIC)
    public.products.set([payments, weather])
    public.plans.set([free])
    about = Page.objects.create(title="About us", path="/about", status=Page.Status.PUBLISHED)
    ContentBlock.objects.create(page=about, name="Body", content="We sell **APIs**.\n\nAsk us.", position=1)


def production() -> None:
    from forecourt.access import services as access
    from forecourt.access.models import Credential
    from forecourt.accounts import services
    from forecourt.accounts.models import Organisation, Role
    from forecourt.catalog.models import Catalogue, CatalogueAudience, Plan, Product
    from forecourt.providers.models import Provider
    from tests import factories

    services.bootstrap(PRODUCTION_ADMIN, "a-long-passphrase", "Paul", "Production")
    # A history: rows made and deleted, so that production's IDs are not staging's.
    for i in range(7):
        Provider.objects.create(name=f"Old provider {i}", url="http://127.0.0.1:3000", secret="old-key")
        factories.product(slug=f"old-product-{i}")
        factories.plan(name=f"Old plan {i}")
        factories.organisation(f"Old org {i}")
        Catalogue.objects.create(name=f"Old catalogue {i}")
    for model, prefix in ((Catalogue, "Old catalogue"), (Product, "old-product"), (Plan, "Old plan"),
                          (Organisation, "Old org"), (Provider, "Old provider")):
        field = "slug" if model is Product else "name"
        model.objects.filter(**{f"{field}__startswith": prefix}).delete()
    # An older version of staging's set-up, which a consumer already uses.
    acme = factories.organisation("Acme")
    payments = factories.product(name="payments", slug="payments", display_name="Payments (beta)", published=True)
    gold = factories.plan(name="Gold", display_name="Gold", rate_limit=500)
    partners = Catalogue.objects.create(name="Partners", visibility=Catalogue.Visibility.PRIVATE)
    partners.products.set([payments])
    partners.plans.set([gold])
    CatalogueAudience.objects.create(catalogue=partners, organisation=acme)
    developer = factories.consumer(acme, role=Role.CONSUMER_ADMIN, first_name="Dana")
    request = access.submit_request(factories.app(developer, name="Dana's shop"), partners, gold, [payments], developer)
    Credential.objects.create(app=request.app, access_request=request, provider_reference="key-dana",
                              secret_hint="wxyz", secret="the-consumer-credential-secret")


def change() -> None:
    from forecourt.accounts.models import Team
    from forecourt.catalog.models import Plan, Product
    from forecourt.content.models import Page

    Product.objects.filter(slug="payments").update(display_name="Payments API")
    Plan.objects.filter(name="Gold").update(rate_limit=2000)
    Page.objects.filter(path="/about").update(title="About Forecourt")
    Team.objects.filter(organisation__name="Acme", name="Payments").delete()


def main() -> None:
    _setup()
    {"staging": staging, "production": production, "change": change}[sys.argv[1]]()


if __name__ == "__main__":
    sys.exit(main())
