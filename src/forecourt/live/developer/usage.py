"""The Live Portal's usage pages: an app's traffic (all its credentials, or one), and the
organisation's apps for a consumer-admin, over a chosen period, as a chart, a data table and a CSV.

Thin over forecourt.usage: the numbers come from its cache only (the page never waits for the
provider); a stale cache is refreshed in the background (`refresh.refresh_if_stale`) and the page
says when it was refreshed. Apps come from `visible_apps(user)` (forecourt.access.visibility), so
another organisation's app, or a credential of another app, is a 404.
"""

from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from forecourt import themes
from forecourt.access.models import App, Credential
from forecourt.access.visibility import visible_apps
from forecourt.accounts.models import Role, User
from forecourt.themes.urls_names import reverse_live
from forecourt.usage import csv_export, refresh, reports

from . import data
from .views import page

SHOWN = (Credential.Type.KEY, Credential.Type.OAUTH2_CLIENT)


def _me(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _credentials(app: App) -> list[Credential]:
    """The app's credentials that have usage: made at the gateway (live or revoked), oldest first."""
    return list(Credential.objects.filter(app=app, type__in=SHOWN).exclude(status=Credential.Status.PENDING)
                .defer("secret", "gateway_key").select_related("app", "access_request__plan").order_by("pk"))


def _period(request: HttpRequest) -> tuple[reports.Period, str]:
    """The period asked for, or the last 7 days and why the one asked for was refused."""
    try:
        return reports.parse_period(request.GET.get("days"), request.GET.get("from"), request.GET.get("to")), ""
    except reports.BadPeriod as exc:
        return reports.last_days(7), str(exc)


def _query(period: reports.Period, **extra: Any) -> str:
    params: dict[str, Any] = {k: v for k, v in extra.items() if v}
    if period.preset:
        params["days"] = period.preset
    else:
        params.update({"from": period.start.isoformat(), "to": period.end.isoformat()})
    return "?" + urlencode(params)


def _period_data(period: reports.Period, base: str, **extra: Any) -> dict[str, Any]:
    return {"label": str(period), "start": period.start, "end": period.end, "preset": period.preset,
            "presets": [{"days": n, "url": base + "?" + urlencode({**{k: v for k, v in extra.items() if v}, "days": n}),
                         "current": period.preset == n} for n in reports.PRESETS]}


def _day(day: reports.DayUsage) -> dict[str, Any]:
    return {"day": day.day.isoformat(), "requests": day.requests, "ok": day.requests - day.errors,
            "errors_4xx": day.errors_4xx, "errors_5xx": day.errors_5xx, "errors_other": day.errors_other,
            "latency_avg_ms": day.latency_avg_ms, "latency_max_ms": day.latency_max_ms,
            "latency_p50_ms": day.latency_p50_ms, "latency_p99_ms": day.latency_p99_ms}


def _usage(credential_ids: list[int], period: reports.Period) -> dict[str, Any]:
    refresh.refresh_if_stale(credential_ids)
    days = reports.series(credential_ids, period)
    total = reports.totals(days)
    state = reports.refreshed(credential_ids)
    return {
        "days": [_day(d) for d in days],
        "totals": {"requests": total.requests, "errors_4xx": total.errors_4xx, "errors_5xx": total.errors_5xx,
                   "errors_other": total.errors_other, "latency_avg_ms": total.latency_avg_ms,
                   "latency_max_ms": total.latency_max_ms,
                   "error_rate": round(total.error_rate * 100, 2) if total.error_rate is not None else None},
        "percentiles": any(d.latency_p50_ms is not None or d.latency_p99_ms is not None for d in days),
        "refreshed": {"at": state.at, "never": state.never, "problem": bool(state.errors)},
    }


@page(["GET", "HEAD"])
def app_usage(request: HttpRequest, pk: int) -> HttpResponse:
    """/apps/<pk>/usage[?credential=<id>][&days=7|30|90 | &from=&to=]"""
    user = _me(request)
    app = get_object_or_404(visible_apps(user).select_related("owner"), pk=pk)
    credentials = _credentials(app)
    chosen = _chosen(request, credentials)
    period, problem = _period(request)
    base = reverse_live("app_usage", pk=app.pk)
    shown = [chosen] if chosen else credentials
    quota = reports.quota(chosen) if chosen else None
    context = {
        "page": {"title": _("Usage of %(app)s") % {"app": app.name}},
        "app": data.app_summary(app, user),
        "period": _period_data(period, base, credential=chosen.pk if chosen else None),
        "period_problem": problem,
        "credentials": [{"id": c.pk, "label": csv_export.label(c), "status": c.status,
                         "status_label": str(c.get_status_display()),
                         "url": base + _query(period, credential=c.pk), "current": chosen == c}
                        for c in credentials],
        "all_url": base + _query(period),
        "credential": {"id": chosen.pk, "label": csv_export.label(chosen)} if chosen else None,
        "quota": {"limit": quota.limit, "window_days": quota.window_days, "used": quota.used,
                  "percent": round(quota.share * 100, 1) if quota.share is not None else None} if quota else None,
        "csv_url": reverse_live("app_usage_csv", pk=app.pk) + _query(period, credential=chosen.pk if chosen else None),
        **_usage([c.pk for c in shown], period),
    }
    return themes.render(request, "views/app_usage.html", context, status=400 if problem else 200)


def _chosen(request: HttpRequest, credentials: list[Credential]) -> Credential | None:
    wanted = request.GET.get("credential")
    if not wanted:
        return None
    found = next((c for c in credentials if str(c.pk) == wanted), None)
    if found is None:
        raise Http404("no such credential")
    return found


@page(["GET", "HEAD"])
def app_usage_csv(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(visible_apps(_me(request)), pk=pk)
    credentials = _credentials(app)
    chosen = _chosen(request, credentials)
    period, problem = _period(request)
    if problem:
        return HttpResponse(problem, status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(csv_export.render([chosen] if chosen else credentials, period),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="usage-app-{app.pk}-{period.start.isoformat()}'
                                       f'-{period.end.isoformat()}.csv"')
    return response


@page(["GET", "HEAD"])
def organisation_usage(request: HttpRequest) -> HttpResponse:
    """/usage: a consumer-admin's organisation's apps (all of them: visible_apps), summed and per app."""
    user = _me(request)
    if user.role != Role.CONSUMER_ADMIN or user.organisation_id is None:
        raise Http404("consumer-admins only")
    apps = list(visible_apps(user).filter(organisation_id=user.organisation_id).order_by("name", "pk"))
    period, problem = _period(request)
    base = reverse_live("organisation_usage")
    ids = dict(Credential.objects.filter(app__in=apps, type__in=SHOWN).exclude(status=Credential.Status.PENDING)
               .values_list("pk", "app_id"))
    figures = reports.per_app(period, [a.pk for a in apps])
    per_app = []
    for app in apps:
        row = figures.get(app.pk)
        per_app.append({"name": app.name, "url": reverse_live("app_usage", pk=app.pk) + _query(period),
                        "requests": row.requests if row else 0,
                        "errors": row.errors_4xx + row.errors_5xx if row else 0,
                        "latency_avg_ms": row.latency_avg_ms if row else None})
    context = {
        "page": {"title": _("Your organisation's usage")},
        "period": _period_data(period, base), "period_problem": problem, "apps": per_app,
        **_usage(list(ids), period),
    }
    return themes.render(request, "views/organisation_usage.html", context, status=400 if problem else 200)
