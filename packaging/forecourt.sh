#!/bin/sh
# /usr/bin/forecourt from the deb/rpm: the installed Forecourt with the packaged configuration
# (/opt/forecourt/portal.conf, unless PORTAL_CONFIG names another), run as the forecourt user so
# that files it writes (SQLite database, backups, themes) stay the service's.
export PORTAL_CONFIG="${PORTAL_CONFIG:-/opt/forecourt/portal.conf}"
if [ "$(id -u)" = 0 ] && [ "${FORECOURT_AS_ROOT:-}" != 1 ] && id forecourt >/dev/null 2>&1; then
  # setpriv execs in place (no parent left between the caller and forecourt: signals and exit status pass).
  exec setpriv --reuid=forecourt --regid=forecourt --init-groups -- /opt/forecourt/venv/bin/forecourt "$@"
fi
exec /opt/forecourt/venv/bin/forecourt "$@"
