"""The simulator's analytics (tools/tyk_simulator.py): `/api/activity/keys/{keyHash}/...` and
`/api/activity/oauthid/{clientId}/...` answer the deterministic traffic of the keys and OAuth clients it
issued as the Dashboard does: aggregated over the range asked, a unit per response code, its day, month
and year 0 (the contract's example); a day's figures by asking for that day. Every answer is validated
against the Dashboard contract (the `tyk_dashboard` fixture validates its log when each test ends)."""

import datetime
from typing import Any

from .support import tyk
from .support.tyk import simulator, tyk_dashboard

__all__ = ["tyk_dashboard"]

Traffic = simulator.Traffic


def _path(kind: str, ident: str, start: datetime.date, end: datetime.date) -> str:
    return (f"/api/activity/{kind}/{ident}/{start.day}/{start.month}/{start.year}"
            f"/{end.day}/{end.month}/{end.year}")


def _issue_key(dashboard: Any) -> str:
    with tyk.client(dashboard) as http:
        answer = http.post("/api/keys", json={"apply_policies": [], "access_rights": {}})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["key_hash"])


def test_a_new_key_has_todays_traffic_only_and_the_same_on_every_read(tyk_dashboard: Any) -> None:
    hashed = _issue_key(tyk_dashboard)
    today = datetime.datetime.now(datetime.UTC).date()
    week_ago = today - datetime.timedelta(days=6)
    with tyk.client(tyk_dashboard) as http:
        first = http.get(_path("keys", hashed, week_ago, today)).json()
        again = http.get(_path("keys", hashed, week_ago, today)).json()
        yesterday = http.get(_path("keys", hashed, week_ago, today - datetime.timedelta(days=1))).json()
    assert first == again
    assert {(u["id"]["year"], u["id"]["month"], u["id"]["day"]) for u in first["data"]} == {(0, 0, 0)}
    expected = Traffic.generated(hashed, today)
    assert sum(u["hits"] for u in first["data"]) == expected.ok + expected.errors_4xx + expected.errors_5xx
    assert sum(u["error"] for u in first["data"] if 400 <= u["id"]["code"] < 500) == expected.errors_4xx
    assert yesterday == {"data": None, "pages": 0}, "issued today: no traffic before"


def test_seeded_and_exact_traffic_of_an_oauth_client_by_day_and_code(tyk_dashboard: Any) -> None:
    today = datetime.datetime.now(datetime.UTC).date()
    tyk_dashboard.seed_traffic("client-1", days=7)
    three_days_ago = today - datetime.timedelta(days=3)
    exact = Traffic(ok=90, errors_4xx=7, errors_5xx=3, latency_ms=40.0, max_latency_ms=900)
    tyk_dashboard.set_traffic("client-1", three_days_ago, exact)
    with tyk.client(tyk_dashboard) as http:
        answer = http.get(_path("oauthid", "client-1", today - datetime.timedelta(days=30), today))
        assert answer.status_code == 200
        month = answer.json()["data"]
        that_day = http.get(_path("oauthid", "client-1", three_days_ago, three_days_ago)).json()["data"]
        before = http.get(_path("oauthid", "client-1", today - datetime.timedelta(days=30),
                                today - datetime.timedelta(days=7))).json()
        nothing = http.get(_path("oauthid", "nobody", today, today)).json()
    # The range's units: one per code, summed over the seven days that had traffic.
    week = [exact if n == 3 else Traffic.generated("client-1", today - datetime.timedelta(days=n)) for n in range(7)]
    assert {u["id"]["code"]: u["hits"] for u in month} == {
        200: sum(t.ok for t in week), 404: sum(t.errors_4xx for t in week), 500: sum(t.errors_5xx for t in week)}
    assert max(u["max_latency"] for u in month) >= 900
    by_code = {u["id"]["code"]: u for u in that_day}
    assert {code: (u["hits"], u["success"], u["error"]) for code, u in by_code.items()} == {
        200: (90, 90, 0), 404: (7, 0, 7), 500: (3, 0, 3)}
    assert by_code[200]["max_latency"] == 900 and by_code[200]["latency"] == 40.0
    assert before == nothing == {"data": None, "pages": 0}


def test_a_bad_date_is_refused_as_the_contract_documents(tyk_dashboard: Any) -> None:
    with tyk.client(tyk_dashboard) as http:
        assert http.get("/api/activity/keys/abc/31/2/2026/1/3/2026").status_code == 400
        assert http.get("/api/activity/oauthid/abc/x/1/2026/1/3/2026").status_code == 500
        assert http.get("/api/activity/keys/abc/1/1/2026/1/3/2026", headers={"Authorization": "wrong"}).status_code \
            == 401


def test_units_carry_the_apis_a_key_or_oauth_client_may_call(tyk_dashboard: Any) -> None:
    orders = tyk_dashboard.add_api({"name": "Orders API", "proxy": {"listen_path": "/orders/"}})
    stock = tyk_dashboard.add_api({"name": "Stock API", "proxy": {"listen_path": "/stock/"}})
    ids = sorted(w["api_definition"]["api_id"] for w in (orders, stock))
    names = {w["api_definition"]["api_id"]: w["api_definition"]["name"] for w in (orders, stock)}
    today = datetime.datetime.now(datetime.UTC).date()
    with tyk.client(tyk_dashboard) as http:
        rights = {api_id: {"api_id": api_id, "api_name": names[api_id], "versions": ["Default"]} for api_id in ids}
        answer = http.post("/api/keys", json={"apply_policies": [], "access_rights": rights})
        assert answer.status_code == 200, answer.text
        hashed = str(answer.json()["key_hash"])
        tyk_dashboard.set_traffic(hashed, today, Traffic(ok=91, errors_4xx=7, errors_5xx=1, latency_ms=40.0))
        units = http.get(_path("keys", hashed, today, today)).json()["data"]
        made = http.post(f"/api/apis/oauth/{ids[1]}", json={"redirect_uri": "https://app.example/cb"})
        assert made.status_code == 200, made.text
        client_id = str(made.json()["client_id"])
        tyk_dashboard.set_traffic(client_id, today, Traffic(ok=3))
        client_units = http.get(_path("oauthid", client_id, today, today)).json()["data"]
    assert [(u["id"]["api_id"], u["id"]["api_name"], u["hits"]) for u in client_units] == [
        (ids[1], names[ids[1]], 3)], "an OAuth client's calls are to its API"
    by_api_code = {(u["id"]["api_id"], u["id"]["code"]): (u["hits"], u["id"]["api_name"]) for u in units}
    first, second = ids
    assert by_api_code == {(first, 200): (46, names[first]), (second, 200): (45, names[second]),
                           (first, 404): (4, names[first]), (second, 404): (3, names[second]),
                           (first, 500): (1, names[first])}, "hits shared out, the day's totals unchanged"
