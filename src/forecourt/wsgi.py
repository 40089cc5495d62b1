"""WSGI entry point for the web workers that `forecourt serve` starts under granian."""

import os

from forecourt import configuration, logconfig

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
_config = configuration.get()
logconfig.configure(_config["LogLevel"], _config["LogFormat"], _config["Database.EnableLogs"])

from django.core.wsgi import get_wsgi_application  # noqa: E402 - logging first, then Django

application = get_wsgi_application()
