"""Data for the benchmark's signed-in pages: an admin and 500 rows in the lists that are measured.

Run by benchmarks/run.py in the benchmark's own data directory (never the operator's).
"""

import os
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django

django.setup()

from forecourt.accounts import services  # noqa: E402
from forecourt.accounts.models import Role, User  # noqa: E402
from forecourt.catalog.models import Product  # noqa: E402

EMAIL, PASSWORD = "bench-admin@example.com", "bench-admin-passphrase"
ROWS = 500

if not services.is_bootstrapped():
    result = services.bootstrap(EMAIL, PASSWORD, "Bench", "Admin")
    # The Admin API token, for the benchmark's API pages (the data directory is the benchmark's own).
    (Path(os.environ["PORTAL_DATADIR"]) / "bench-api-token").write_text(result.api_token)
    organisation, team = services.ensure_default_organisation()
    users = User.objects.bulk_create(
        User(email=f"consumer{i}@example.com", organisation=organisation, role=Role.CONSUMER_TEAM_MEMBER,
             first_name=f"Consumer {i}") for i in range(ROWS))
    User.teams.through.objects.bulk_create(User.teams.through(user_id=u.pk, team_id=team.pk) for u in users)
    Product.objects.bulk_create(Product(name=f"p{i}", display_name=f"Product {i}", slug=f"product-{i}",
                                        published=True) for i in range(ROWS))
