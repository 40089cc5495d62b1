"""For `make demo`: connect the portal to the local Dashboard simulator and synchronise it once.

Idempotent: a second run finds the provider and only synchronises again.
"""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django

django.setup()

from forecourt.catalog.models import Product  # noqa: E402
from forecourt.providers import sync  # noqa: E402
from forecourt.providers.models import Provider  # noqa: E402

url, secret, org_id = sys.argv[1:4]
provider, _ = Provider.objects.get_or_create(
    name="Demo Tyk Dashboard (simulator)",
    defaults={"url": url, "secret": secret, "org_id": org_id, "policy_tags": ["portal"]},
)
report = sync.sync(provider)
Product.objects.filter(provider=provider, hidden_by_sync=False).update(published=True)
print(f"Provider '{provider}' synchronised: {Product.objects.filter(provider=provider).count()} products, "
      f"{provider.plans.count()} plans; {len(report.problems)} policy(ies) skipped (see its Sync page).")
