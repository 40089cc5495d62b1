"""The Admin Portal's dashboard: where a new owner is guided from an empty portal to a first
approved key, and where a running portal shows what waits for an admin.

Thin on purpose: the rules are in checklist.py (what set-up is done, derived from the data),
waiting.py (the work waiting, capped counts in one query) and activity.py (the last 30 days, one
aggregate query per series). The page costs the same number of queries at any table size.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from forecourt.accounts.models import Role

from . import activity, checklist, waiting
from .guards import admin_required


@admin_required
def dashboard(request: HttpRequest) -> HttpResponse:
    is_super_admin = getattr(request.user, "role", None) == Role.SUPER_ADMIN
    series = activity.build()
    return render(request, "adminportal/dashboard.html", {
        "checklist": checklist.build(is_super_admin),
        "waiting": waiting.build(),
        "activity": series,
        "activity_json": [s.as_json() for s in series],
    })
