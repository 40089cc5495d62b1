"""The Admin Portal's usage analytics: the apps with the most requests and the most errors, the
slowest APIs and the slowest apps, over a chosen period, from forecourt.usage's cache (never the
providers: the page costs a few aggregate queries, whatever the traffic). The slowest APIs come
from the cache's per-API rows (the analytics' units say which API each group of calls hit).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forecourt.usage import reports

from .guards import admin_required

TOP = 10


@admin_required
def usage(request: HttpRequest) -> HttpResponse:
    problem = ""
    try:
        period = reports.parse_period(request.GET.get("days"), request.GET.get("from"), request.GET.get("to"))
    except reports.BadPeriod as exc:
        period, problem = reports.last_days(7), str(exc)
    return render(request, "adminportal/usage.html", {
        "period": period,
        "presets": reports.PRESETS,
        "problem": problem,
        "top_apps": reports.top_apps(period, TOP),
        "top_errors": reports.top_errors(period, TOP),
        "slowest_apis": reports.slowest_apis(period, TOP),
        "slowest": reports.slowest_apps(period, TOP),
    }, status=400 if problem else 200)
