"""The floor's settings for its signed-in page: floor.settings plus what a new Django project has
for a signed-in user, so "signed-in template + query" costs what any signed-in Django page pays.

django.contrib.sessions with the default database session backend and django.contrib.auth's
AuthenticationMiddleware, in the order `startproject` writes them (Security, Session, Common,
Authentication). A new project's CSRF, messages and clickjacking middleware are left out: the
page posts nothing, shows no messages and sets no frame policy, so they would only measure
middleware the signed-in catalogue is not compared on. A separate module, so that the floor's
hello and template + query pages keep their two middleware exactly.

The auth and sessions tables come from `migrate` with these settings (benchmarks/run.py runs it
on the floor's SQLite file); floor.session creates the user and the signed-in session.
"""

from floor.settings import *  # noqa: F403 - the floor's settings, extended below
from floor.settings import INSTALLED_APPS as FLOOR_APPS

INSTALLED_APPS = [*FLOOR_APPS, "django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
