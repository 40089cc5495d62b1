"""Organisations and their teams as configuration files give them (optional: a pipeline may leave
them out, and apply never deletes one it does not mention unless told to prune). Users are consumers'
data and are never exported."""

from __future__ import annotations

from forecourt.accounts.models import Organisation, Team

from .base import Child, ChildKind, Kind


class Teams(ChildKind):
    name = "organisations.teams"
    model = Team
    resource = "teams"
    parent_form_field = "organisation"


class Organisations(Kind):
    name = "organisations"
    model = Organisation
    resource = "organisations"
    description = "Consumer organisations and their teams (each has a default team, made with it)."
    children = (Child("teams", Teams()),)
