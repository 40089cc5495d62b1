"""The account page's single sign-on actions: unlinking one of the user's identities. Linking starts at
the profile's sign-in URL with `?link=1` (live/sso/finish.py links it once the IdP has answered)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from forecourt.accounts.models import User
from forecourt.live.signin import sign_in_required
from forecourt.sso import linked
from forecourt.sso.models import SsoIdentity


@sign_in_required
@require_POST
def unlink(request: HttpRequest, pk: int) -> HttpResponse:
    """Unlink one of the signed-in user's own identities (another's is a 404, as if it did not exist)."""
    me = request.user
    assert isinstance(me, User)
    row = get_object_or_404(SsoIdentity.objects.select_related("profile", "user"), pk=pk, user=me)
    try:
        linked.unlink(row, me)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{row.profile.name} is unlinked: you no longer sign in with it.")
    return redirect("live:my_account")
