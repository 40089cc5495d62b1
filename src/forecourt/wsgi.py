"""WSGI entry point for the web workers that `forecourt serve` starts under granian."""

import os

from forecourt import configuration, logconfig

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
_config = configuration.get()
logconfig.configure(_config.log_level, _config.log_format, _config.database_enable_logs)

from django.core.wsgi import get_wsgi_application  # noqa: E402 - logging first, then Django

application = get_wsgi_application()

# `forecourt serve` waits for this file before it starts the job worker (supervisor.py).
if _loaded := os.environ.get("FORECOURT_WEB_LOADED_FILE"):
    try:
        with open(_loaded, "a"):
            pass
    except OSError:
        pass  # the supervisor then starts the job worker after its wait, as it would anyway
