"""Settings of the floor app: plain Django, the Jinja2 backend, one SQLite file.

FLOOR_DATABASE (set by benchmarks/run.py) is the SQLite file in the run's temporary directory.
Nothing here is tuned beyond what a new Django project would do, so the floor stays honest.
"""

import os
from pathlib import Path

DEBUG = False
SECRET_KEY = "floor-benchmark-only-not-a-secret"  # noqa: S105 - serves nothing but this benchmark
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "floor.urls"
WSGI_APPLICATION = "floor.wsgi.application"
INSTALLED_APPS = ["floor"]
# A new project's security and common middleware; no sessions, messages or CSRF (no page needs them).
MIDDLEWARE = ["django.middleware.security.SecurityMiddleware", "django.middleware.common.CommonMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ.get("FLOOR_DATABASE", "floor.sqlite3")}}
TEMPLATES = [{"BACKEND": "django.template.backends.jinja2.Jinja2",
              "DIRS": [Path(__file__).resolve().parent / "templates"], "APP_DIRS": False,
              "OPTIONS": {"autoescape": True}}]
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
