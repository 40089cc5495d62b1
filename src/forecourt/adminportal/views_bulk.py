"""The bulk actions of the Admin Portal's lists (lists.BulkAction): the rows ticked on a list page,
posted with one action, done one by one through forecourt.resources.bulk (the services a single
object's page calls), and the outcome told per row as messages back on the list."""

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_POST

from forecourt.accounts.models import Role, User
from forecourt.notify import links
from forecourt.resources import bulk

from .guards import admin_required
from .registry import BY_SLUG

# (slug, action) -> what it does with the chosen IDs, the signed-in admin and the posted form, and the
# message of the rows it did ("18 approved: #1, #2..."), given their count, in the admin's language.
Handler = Callable[[list[int], User, HttpRequest], bulk.Outcome]
Done = Callable[[int], str]
HANDLERS: dict[tuple[str, str], tuple[Handler, Done]] = {
    ("access-requests", "approve"): (
        lambda ids, actor, request: bulk.approve_requests(ids, actor, links.base_url(request)),
        lambda n: ngettext("%(count)s approved: %(rows)s.", "%(count)s approved: %(rows)s.", n)),
    ("access-requests", "reject"): (
        lambda ids, actor, request: bulk.reject_requests(ids, actor, request.POST.get("reason", ""),
                                                         links.base_url(request)),
        lambda n: ngettext("%(count)s rejected: %(rows)s.", "%(count)s rejected: %(rows)s.", n)),
    ("users", "activate"): (lambda ids, actor, request: bulk.set_users_active(ids, True, actor),
                            lambda n: ngettext("%(count)s activated: %(rows)s.", "%(count)s activated: %(rows)s.", n)),
    ("users", "deactivate"): (lambda ids, actor, request: bulk.set_users_active(ids, False, actor),
                              lambda n: ngettext("%(count)s deactivated: %(rows)s.", "%(count)s deactivated: %(rows)s.",
                                                 n)),
}


def _back(request: HttpRequest, slug: str) -> str:
    """The list page the form was posted from, with its search, filters, sort and page (the posted
    `query` is re-encoded as a query string: it can never lead off the list)."""
    url = reverse("adminportal:resource_list", kwargs={"slug": slug})
    query = QueryDict(request.POST.get("query", "")[:2000]).urlencode()
    return f"{url}?{query}" if query else url


def _shown(count: int) -> str:
    """A count in a message, grouped the page's language's way (1,234 in English, 1.234 in German)."""
    return number_format(count, use_l10n=True, force_grouping=True)


def _tell(request: HttpRequest, outcome: bulk.Outcome, done: Done) -> None:
    """One message per kind of outcome: "18 approved.", "2 failed: #4 (App): why; ...", skipped ones."""
    if outcome.done:
        n = len(outcome.done)
        messages.success(request, done(n) % {"count": _shown(n), "rows": ", ".join(outcome.done)})
    if outcome.failed:
        listed = "; ".join(f"{name}: {why}" for name, why in outcome.failed)
        n = len(outcome.failed)
        messages.error(request, ngettext("%(count)s failed and did not change: %(rows)s.",
                                         "%(count)s failed and did not change: %(rows)s.", n)
                       % {"count": _shown(n), "rows": listed})
    if outcome.skipped:
        listed = "; ".join(f"{name}: {why}" for name, why in outcome.skipped)
        n = len(outcome.skipped)
        messages.info(request, ngettext("%(count)s row skipped: %(rows)s.", "%(count)s rows skipped: %(rows)s.", n)
                      % {"count": _shown(n), "rows": listed})
    if not (outcome.done or outcome.failed or outcome.skipped):
        messages.info(request, gettext("Nothing changed."))


@require_POST
@admin_required
def bulk_action(request: HttpRequest, slug: str) -> HttpResponse:
    resource = BY_SLUG.get(slug)
    action = request.POST.get("action", "")
    if resource is None or action not in {a.name for a in resource.bulk_actions} or (
            resource.super_admin_only and getattr(request.user, "role", "") != Role.SUPER_ADMIN):
        raise Http404("No such action.")
    handler, done = HANDLERS[(slug, action)]
    try:
        ids = bulk.ids_of(request.POST.getlist("ids"))
        outcome = handler(ids, cast("User", request.user), request)
    except ValidationError as exc:
        messages.error(request, gettext("Nothing changed: %(problems)s") % {"problems": " ".join(exc.messages)})
        return redirect(_back(request, slug))
    _tell(request, outcome, done)
    return redirect(_back(request, slug))
