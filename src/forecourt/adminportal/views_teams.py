"""The user form's teams field for one organisation, fetched by htmx when the form's organisation
changes (form.html), so an admin is offered only the teams a user of that organisation may join.

Progressive enhancement only: without JavaScript the form lists every team, and the form itself
(accounts.services.membership_problems) refuses teams of another organisation either way."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from forecourt.accounts.models import Organisation, Team
from forecourt.resources.forms import UserForm

from .guards import admin_required


def _id(value: str) -> int | None:
    return int(value) if value.isdigit() and 0 < int(value) < 2**31 else None


def enhance_user_form(form: Any) -> None:
    """Have the user form's organisation select re-fetch the teams field (htmx attributes: on change,
    GET teams_field with the organisation and the ticked teams, swap the teams' row)."""
    form.fields["organisation"].widget.attrs.update({
        "hx-get": reverse("adminportal:user_teams_field"),
        "hx-target": "#row-teams",
        "hx-swap": "outerHTML",
        "hx-include": "[name='teams']",
        "aria-controls": "row-teams",
    })


@require_GET
@admin_required
def teams_field(request: HttpRequest) -> HttpResponse:
    """The teams field's row for ?organisation= (every team when none or an unknown one is given),
    keeping the ?teams= still ticked that belong to it."""
    form = UserForm()
    teams = form.fields["teams"]
    org_id = _id(request.GET.get("organisation", ""))
    organisation = Organisation.objects.filter(pk=org_id).first() if org_id else None
    if organisation is not None:
        teams.queryset = (Team.objects.select_related("organisation")  # type: ignore[attr-defined]
                          .filter(organisation=organisation).order_by("name"))
        teams.help_text = gettext("Teams of %(organisation)s.") % {"organisation": organisation.name}
    chosen = [pk for pk in (_id(v) for v in request.GET.getlist("teams")) if pk]
    if organisation is not None:
        chosen = list(Team.objects.filter(pk__in=chosen, organisation=organisation).values_list("pk", flat=True))
    form.initial["teams"] = chosen
    return render(request, "adminportal/_form_row.html", {"field": form["teams"]})
