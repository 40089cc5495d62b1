"""Who may see and who may manage an app: THE rule, in one place.

Every page and action of the Live Portal that touches an app, its access requests or its
credentials starts from `visible_apps(user)`; anything outside it is answered like something
that does not exist (404), so ids of other people's apps reveal nothing.

An app is visible to:

- its owner, always;
- everyone in the app's organisation (the owner's), if its visibility is `organisation`;
- the members of any of the owner's teams, if its visibility is `team` (and they are in the
  app's organisation);
- the consumer-admins of the app's organisation, whatever its visibility;
- nobody else: not other organisations, not inactive or anonymous users. Admins manage apps in
  the Admin Portal; in the Live Portal they are treated like any other user.

An app can be managed (edited, deleted, its credentials rotated or revoked) by its owner and by
the consumer-admins of its organisation. Only its owner requests access for it (the rule of
access.services.submit_request) and is shown its credentials' secrets (access.reveal).
"""

from typing import Any

from django.db.models import Q, QuerySet

from forecourt.accounts.models import Role, User

from .models import App


def _signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and bool(getattr(user, "is_active", False))


def visible_apps(user: Any) -> QuerySet[App]:
    """The apps `user` (a User, an AnonymousUser or None) may see, as one lazy query."""
    if not _signed_in(user):
        return App.objects.none()
    rule = Q(owner_id=user.pk)
    if user.organisation_id is not None:
        in_organisation = Q(organisation_id=user.organisation_id)
        if user.role == Role.CONSUMER_ADMIN:
            rule |= in_organisation
        else:
            teammates = User.teams.through.objects.filter(
                team_id__in=User.teams.through.objects.filter(user_id=user.pk).values("team_id")).values("user_id")
            rule |= in_organisation & (Q(visibility=App.Visibility.ORGANISATION)
                                       | Q(visibility=App.Visibility.TEAM, owner_id__in=teammates))
    return App.objects.filter(rule)


def can_manage_app(user: Any, app: App) -> bool:
    """May `user` edit or delete `app` and rotate or revoke its credentials?"""
    if not _signed_in(user):
        return False
    if app.owner_id == user.pk:
        return True
    return (user.role == Role.CONSUMER_ADMIN and user.organisation_id is not None
            and app.organisation_id == user.organisation_id)


def is_owner(user: Any, app: App) -> bool:
    """Only the owner requests access for an app and is shown its credentials' secrets."""
    return _signed_in(user) and app.owner_id == user.pk
