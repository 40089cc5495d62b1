"""Fill the database PORTAL_* points at with realistic data, for the backup and restore tests.

Run in a child process (`python -m tests.support.backup_seed [--users N] [--at VERSION]`) so
that the rows are committed where a `forecourt backup` subprocess can read them. The rows
cover every awkward type the portable format must carry: encrypted secrets, binary theme
files with every byte value, JSON with unicode, nesting, big integers and JSON null,
microsecond datetimes, UUID keys, big integers, many-to-many rows and an uploaded file.
`--at VERSION` builds that release's schema and writes rows through its historical models.
"""

import argparse
import datetime as dt
import os
import sys
import uuid


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()


def seed_current(users: int) -> None:
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from forecourt.access.models import Credential
    from forecourt.accounts import services
    from forecourt.audit.models import AuditEntry
    from forecourt.jobs.models import Job
    from forecourt.themes.models import Theme, ThemeFile
    from forecourt.webhooks.models import Delivery, Event, Webhook
    from tests import factories

    admin = services.bootstrap("admin@example.com", "a-long-passphrase", "Ada", "Ådmin ✓").user
    org = factories.organisation("Ørg «Ünïcode» 🚀")
    factories.team(org, "Team two")
    member = factories.consumer(org, first_name="Zoë")
    provider = factories.provider()
    product = factories.product(published=True, provider=provider, tags=["payments", "β"])
    product.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + bytes(range(256))), save=True)
    plan = factories.plan()
    factories.catalogue([product], [plan], audiences=[org])
    request = factories.pending_request(member, plan)
    Credential.objects.create(app=request.app, access_request=request, provider=provider,
                              provider_reference="key-1", secret_hint="abcd", secret="the-consumer-secret")
    theme = Theme.objects.create(name="Backup theme", version="1.2.3", manifest={"name": "Backup theme", "n": None},
                                 revision="r1", size=2**53 + 1, uploaded_by=admin)
    ThemeFile.objects.create(theme=theme, path="static/blob.bin", content=bytes(range(256)) * 4, size=1024,
                             sha256="0" * 64)
    Job.objects.create(name="backup-test", payload={"big": 2**70, "nested": {"list": [1, 2.5, None, "ü"]},
                                                    "null": None, "empty": {}},
                       run_at=dt.datetime(2031, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC))
    hook = Webhook.objects.create(name="hook", url="https://hooks.example.com/x", headers={"X-Key": "v"},
                                  events=["AccessRequestCreated"])
    event = Event.objects.create(id=uuid.UUID("12345678-1234-5678-1234-567812345678"), name="AccessRequestCreated",
                                 message={"id": 1})
    Delivery.objects.create(event=event, endpoint=hook, response_code=200, duration_ms=12,
                            next_attempt_at=timezone.now())
    AuditEntry.objects.create(actor=admin, actor_email=admin.email, action="update", object_type="product",
                              object_id=str(product.pk), object_repr="p", changes={"name": ["a", "b"]})
    if users:
        factories.many("users", users)
    assert (settings.MEDIA_ROOT / product.logo.name).is_file()


def seed_at(version: str) -> None:
    """Migrate an empty database to `version`'s schema and write a few rows through its models."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from forecourt.lifecycle import releases

    release = releases.get(version)
    executor = MigrationExecutor(connection)
    targets = [(app, None if release.target(app) == releases.ZERO else release.target(app))
               for app in sorted(executor.loader.migrated_apps) if app in release.migrations]
    executor.migrate(targets)
    executor.loader.build_graph()
    apps = executor.loader.project_state([t for t in targets if t[1]], at_end=True).apps
    Organisation = apps.get_model("accounts", "Organisation")
    Team = apps.get_model("accounts", "Team")
    User = apps.get_model("accounts", "User")
    org = Organisation.objects.create(name="Old org")
    team = Team.objects.create(organisation=org, name="Old team")
    user = User.objects.create(email="old@example.com", password="!", organisation=org,
                               date_joined=dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC))
    user.teams.add(team)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=0)
    parser.add_argument("--only-users", action="store_true", help="Only add --users bulk users.")
    parser.add_argument("--at", default=None)
    args = parser.parse_args()
    _setup()
    if args.at:
        seed_at(args.at)
    elif args.only_users:
        from tests import factories

        factories.many("users", args.users)
    else:
        seed_current(args.users)


if __name__ == "__main__":
    sys.exit(main())
