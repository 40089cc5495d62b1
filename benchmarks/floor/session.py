"""A user and a signed-in session for the floor's signed-in page: `python -m floor.session DB`.

Prints the session cookie's value (the harness sends `Cookie: sessionid=VALUE`). Plain Django, as
django.test.Client.force_login does it: a SessionStore of the configured engine, django.contrib.auth's
login() (which writes the user's id, backend and password hash into the session), session saved
to the database. Run after `migrate` with floor.settings_signed_in on the same SQLite file.
"""

import os
import sys

EMAIL = "floor-user@example.com"
PASSWORD = "floor-benchmark-only"  # noqa: S105 - a throw-away user in a throw-away database


def signed_in_session() -> str:
    """Create the user, sign it in, and return the session key (the cookie's value)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import get_user_model, login
    from django.http import HttpRequest

    user = get_user_model().objects.create_user(username="floor-user", email=EMAIL, password=PASSWORD)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    return str(request.session.session_key)


def main(database: str) -> None:
    os.environ["FLOOR_DATABASE"] = database
    os.environ["DJANGO_SETTINGS_MODULE"] = "floor.settings_signed_in"
    import django

    django.setup()
    print(signed_in_session())


if __name__ == "__main__":
    main(sys.argv[1])
