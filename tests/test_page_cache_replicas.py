"""Two `forecourt serve` replicas sharing one database and one Redis: a change committed through one
replica's Admin API is on the very next anonymous page of the other, and a page one replica cached
is a hit on the other (the cache is shared)."""

import secrets

import httpx
import pytest

from .support import servers

pytestmark = pytest.mark.server


def test_a_replica_never_serves_a_page_older_than_another_replicas_change(migrated_env, start_server, tmp_path):
    # A Redis database of this test's choosing; keys also hold this database's random revision and the
    # replicas' own ports, so parallel tests and runs never read each other's pages.
    env = {**migrated_env, "PORTAL_CACHE_URL": f"redis://127.0.0.1:6379/{secrets.randbelow(15) + 1}"}
    token_file = tmp_path / "token"
    boot = servers.run(["bootstrap", "--email", "admin@example.com", "--password", "a-long-passphrase",
                        "--token-file", str(token_file)], env, tmp_path)
    assert boot.returncode == 0, boot.stderr
    token = token_file.read_text().strip()
    a, b = start_server(env), start_server(env)
    a.wait_for("/ready", 200)
    b.wait_for("/ready", 200)

    def api(method: str, path: str, body: dict) -> dict:
        response = httpx.request(method, a.url + "/portal-api" + path, json=body, timeout=servers.HTTP_TIMEOUT,
                                 headers={"Authorization": token})
        assert response.status_code in (200, 201), response.text
        return response.json()

    catalogue = api("POST", "/catalogues", {"Name": "Everyone", "VisibilityStatus": "Public"})
    product = api("POST", "/products", {"Name": "weather", "DisplayName": "Weather forecasts", "Published": True,
                                        "Catalogues": [catalogue["ID"]]})
    # Host: one name for both replicas, as behind a load balancer.
    host = {"Host": "portal.example.com"}

    def page(server: servers.Server) -> httpx.Response:
        response = server.get("/catalogue-products", headers=host)
        assert response.status_code == 200, response.text[:500]
        return response

    assert "Weather forecasts" in page(b).text
    cached = page(b)
    assert cached.headers["X-Page-Cache"] == "hit" and "Weather forecasts" in cached.text
    assert page(a).headers["X-Page-Cache"] == "hit"  # B's page, from the shared Redis

    api("PUT", f"/products/{product['ID']}", {"DisplayName": "Storm warnings"})
    after = page(b)  # the very next request, on the other replica
    assert "Storm warnings" in after.text and "Weather forecasts" not in after.text
    assert after.headers["X-Page-Cache"] == "miss"
    assert page(a).headers["X-Page-Cache"] == "hit" and "Storm warnings" in page(a).text
    for server in (a, b):
        assert "hunter" not in server.log() and "Traceback" not in server.log()
