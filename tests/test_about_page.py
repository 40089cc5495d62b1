"""The Admin Portal's About / Upgrade page: the upgrade guide's checklist at a glance, for admins only."""

import json

import pytest

import forecourt
from forecourt.ops.models import SchemaVersion
from forecourt.providers.models import Provider
from forecourt.themes import storage

from . import factories, themes_support
from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

ABOUT = "/portal-admin/about/"


def test_visitors_are_sent_to_sign_in_and_consumers_get_the_live_portals_404(client, consumer):
    assert client.get(ABOUT)["Location"].startswith("/portal-admin/sign-in/")
    client.login(username=consumer.email, password=PASSWORD)
    answer = client.get(ABOUT)
    assert answer.status_code == 404 and 'id="history"' not in answer.content.decode()
    assert client.session.get("_auth_user_id") == str(consumer.pk)  # still signed in to the Live Portal


def test_provider_admins_see_it_too_and_the_navigation_links_it(client):
    admin = factories.consumer(role="provider-admin")
    client.force_login(admin)
    page = client.get("/portal-admin/")
    assert f'href="{ABOUT}"' in page.content.decode()
    assert client.get(ABOUT).status_code == 200


def test_the_page_shows_versions_backup_themes_providers_and_findings(client, admin):
    SchemaVersion.objects.create(version="0.3.0", applied=["a.0001"])
    SchemaVersion.objects.create(version=forecourt.__version__, applied=["themes.0001_initial"])
    files = themes_support.theme_files()
    files["theme.json"] = json.dumps({**json.loads(files["theme.json"]), "base": "0.3.0"}).encode()
    themes_support.store(files, name="acme")
    provider = Provider.objects.create(name="Tyk", url="https://dashboard.example.com", secret="k",
                                       last_error="Dashboard unreachable")
    client.force_login(admin)

    response = client.get(ABOUT)
    assert response.status_code == 200
    body = response.content.decode()
    assert f'<dd class="running-version">Forecourt {forecourt.__version__}</dd>' in body
    assert f"<dt>Last migrated by</dt><dd>Forecourt {forecourt.__version__} on" in body
    assert "<dt>Pending migrations</dt><dd>none</dd>" in body
    # This test database's DataDir has no backup: the page says so, and how to make one.
    assert "none found: run <code>forecourt backup</code>" in body
    # The theme derived from an older default links to the themes page.
    default_version = storage.bundled().manifest.version  # the default theme's, not the package's
    link = f'<a class="upgrade-available" href="/portal-admin/themes/">upgrade available: {default_version}</a>'
    assert link in body
    # Provider health as the last sync recorded it, with a link to its sync page.
    assert f'<a href="/portal-admin/providers/{provider.pk}/sync/">Tyk</a>' in body
    assert "Dashboard unreachable" in body
    # The upgrade check's findings.
    assert "provider Tyk: its last sync failed: Dashboard unreachable" in body
    assert "the theme &#x27;acme&#x27; derives from the default theme 0.3.0" in body
    # The migration history, newest first.
    history = body[body.index('id="history"'):]
    assert history.index("<td>" + forecourt.__version__ + "</td>") < history.index("<td>0.3.0</td>")


def test_the_page_calls_no_provider(client, admin):
    # An address nothing listens on: a call would fail the page or add a finding; the page reads records only.
    Provider.objects.create(name="Nowhere", url="http://127.0.0.1:9", secret="k")
    client.force_login(admin)
    body = client.get(ABOUT).content.decode()
    assert "cannot be read" not in body
    assert "Nowhere" in body


def _recorded_archive(path, created, version=forecourt.__version__, migrations=None):
    from forecourt.lifecycle import archive, backup_records

    manifest = {"format": archive.FORMAT, "format_version": 1, "forecourt_version": version,
                "dialect": "postgres", "created_at": created.isoformat(), "files": {}, "migrations": migrations or {}}
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = archive.write_archive(path, manifest, path.parent, [])
    assert backup_records.record(path, manifest, digest, path.stat().st_size) is None
    return path


def test_the_page_shows_the_newest_recorded_backup_by_upgrade_check_s_rule(client, admin, tmp_path):
    from datetime import UTC, datetime, timedelta

    kept = _recorded_archive(tmp_path / "elsewhere" / "kept.tar.gz", datetime.now(UTC) - timedelta(hours=2))
    gone = _recorded_archive(tmp_path / "elsewhere" / "gone.tar.gz", datetime.now(UTC) - timedelta(hours=1))
    gone.unlink()
    client.force_login(admin)
    body = client.get(ABOUT).content.decode()
    backup = body[body.index('<dd id="backup">'):]
    backup = backup[:backup.index("</dd>")]
    assert backup.startswith(f'<dd id="backup">{kept}: 2 hours old, made by {forecourt.__version__} (postgres); ')
    assert '<span class="badge approved">checksum verified</span>' in backup
    # The newer recorded backup whose file is gone is a finding, not the newest backup.
    assert f"the backup recorded at {gone} (made " in body and "is gone: moved or deleted" in body


def test_the_page_names_the_newest_backup_by_its_data_and_its_writer(client, admin, tmp_path):
    """A 0.4.0 database backed up by 0.5.0: a backup of 0.4.0 data, not one "made by 0.5.0"."""
    from datetime import UTC, datetime, timedelta

    from forecourt.lifecycle import releases

    kept = _recorded_archive(tmp_path / "b" / "pre.tar.gz", datetime.now(UTC) - timedelta(hours=2), "0.5.0",
                             dict(releases.get("0.4.0").migrations))
    client.force_login(admin)
    body = client.get(ABOUT).content.decode()
    backup = body[body.index('<dd id="backup">'):]
    assert backup.startswith(f'<dd id="backup">{kept}: 2 hours old, backup of 0.4.0 data, written by 0.5.0 '
                             '(postgres); ')
