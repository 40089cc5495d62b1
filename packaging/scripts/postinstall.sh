#!/bin/sh
# After the files are in place. Arguments: deb `configure <previous version or empty>`;
# rpm `1` (install) or `2` (upgrade). A first install enables forecourt.service but does not start it
# (choose the database in /opt/forecourt/portal.conf first); an upgrade restarts a running service,
# and `forecourt serve` applies the new migrations under its lock as it starts.
set -e
# Also here, not only in preinstall: a user removed by hand comes back on reinstall.
getent group forecourt >/dev/null || groupadd --system forecourt
getent passwd forecourt >/dev/null || useradd --system --gid forecourt --home-dir /var/lib/forecourt \
  --no-create-home --shell /usr/sbin/nologin --comment "Forecourt API developer portal" forecourt
install -d -o forecourt -g forecourt -m 0750 /var/lib/forecourt

upgrade=no
case "$1" in
  configure) [ -n "${2:-}" ] && upgrade=yes ;;
  2) upgrade=yes ;;
esac

if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  if [ "$upgrade" = yes ]; then
    systemctl try-restart forecourt.service >/dev/null 2>&1 || true
  else
    systemctl enable forecourt.service >/dev/null 2>&1 || true
  fi
fi
if [ "$upgrade" = no ]; then
  cat <<'MSG'
Forecourt is installed in /opt/forecourt. Next steps:
  1. choose the database and PublicURL in /opt/forecourt/portal.conf
  2. systemctl start forecourt
  3. forecourt bootstrap --email you@example.com   (creates the first admin, once)
MSG
fi
exit 0
