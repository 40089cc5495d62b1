"""Database queries per request, for each page the benchmark loads: `queries.py < pages.json`.

Run by benchmarks/run.py as a subprocess with the measured server's environment, so it opens the
same database. Each page is requested twice in this process (django.test.Client, signed in as the
page needs) and the queries of the second request are counted (CaptureQueriesContext, which works
without DEBUG): the first one warms whatever a worker keeps between requests, as the server's warm-up
did. Input: a JSON list of {"label", "path", "as"} with "as" one of anonymous, admin, consumer,
token. Output: a JSON object label -> {"queries", "status"}.
"""

import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from forecourt.accounts.models import User  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dataset  # noqa: E402


def client_for(who: str) -> tuple[Client, dict[str, str]]:
    client = Client(HTTP_HOST="127.0.0.1")
    if who == "admin":
        client.force_login(User.objects.get(email=dataset.ADMIN_EMAIL))
    elif who == "consumer":
        client.force_login(User.objects.get(email=dataset.CONSUMER_EMAIL))
    elif who == "token":
        token = (Path(os.environ["PORTAL_DATADIR"]) / dataset.TOKEN_FILE).read_text().strip()
        return client, {"HTTP_AUTHORIZATION": token}
    return client, {}


def count(pages: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    clients: dict[str, tuple[Client, dict[str, str]]] = {}
    for page in pages:
        client, extra = clients.setdefault(page["as"], client_for(page["as"]))
        client.get(page["path"], **extra)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page["path"], **extra)
        results[page["label"]] = {"queries": len(captured.captured_queries), "status": response.status_code}
    return results


if __name__ == "__main__":
    json.dump(count(json.load(sys.stdin)), sys.stdout)
