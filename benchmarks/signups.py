"""Concurrent sign-ups on the Live Portal's form: `run(base_url, n, concurrency)`.

Minimal standard-library version written for the benchmark harness (issue 15). Each sign-up is
one visitor: it loads the form (for its CSRF cookie), then posts it; only the POST is timed (a
visitor that could not even load the form counts as an error timed from the start). Each
comes from its own address in X-Forwarded-For, so the server must trust 127.0.0.1 as a proxy
(PORTAL_TRUSTED_PROXIES) or its per-network sign-up throttle answers most of them 429.
"""

import http.cookiejar
import math
import re
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

FORM = "/auth/password/register"
TIMEOUT_S = 60.0


def _one(base_url: str, number: int) -> tuple[float, str | None]:
    """Seconds the POST took, and None or what went wrong."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    address = f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256 or 1}"
    headers = {"X-Forwarded-For": address}
    started, step = time.monotonic(), "loading the form"
    try:
        opener.open(urllib.request.Request(base_url + FORM, headers=headers), timeout=TIMEOUT_S).read()
        csrf = next((c.value for c in jar if c.name.endswith("csrftoken")), "")
        form = urllib.parse.urlencode({
            "email": f"signup-{number}-{uuid.uuid4().hex[:8]}@example.com", "first_name": "Sign", "last_name": "Up",
            "password": "correct horse battery staple 42", "password_again": "correct horse battery staple 42",
            "csrfmiddlewaretoken": csrf,
        }).encode()
        started, step = time.monotonic(), "posting it"
        request = urllib.request.Request(base_url + FORM, data=form, headers={**headers, "Referer": base_url + FORM})
        with opener.open(request, timeout=TIMEOUT_S) as response:
            body = response.read().decode(errors="replace")
            seconds = time.monotonic() - started
            if FORM + "/done" not in response.url:
                problem = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]{0,200})', body)
                return seconds, f"{response.status}, not signed up: {problem[1].strip() if problem else response.url}"
            return seconds, None
    except urllib.error.HTTPError as exc:
        return time.monotonic() - started, f"{step}: HTTP {exc.code}"
    except OSError as exc:
        return time.monotonic() - started, f"{step}: {type(exc).__name__}: {exc}"


def percentile(values: list[float], percent: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def run(base_url: str, n: int = 200, concurrency: int = 200) -> dict[str, Any]:
    """`n` sign-ups, `concurrency` at a time; seconds of p50 / p99 / max, and the errors."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(lambda number: _one(base_url, number), range(1, n + 1)))
    times = [seconds for seconds, _ in outcomes]
    errors = [problem for _, problem in outcomes if problem]
    return {"n": n, "concurrency": concurrency, "errors": len(errors), "error_samples": sorted(set(errors))[:5],
            "p50_s": percentile(times, 50), "p99_s": percentile(times, 99), "max_s": max(times, default=0.0),
            "mean_s": statistics.fmean(times) if times else 0.0, "wall_s": time.monotonic() - started}
