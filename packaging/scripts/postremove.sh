#!/bin/sh
# After the files went. Arguments: deb `remove`, `purge`, `upgrade`, ...; rpm `0` (erase) or `1`
# (the old package's files went during an upgrade). Data in /var/lib/forecourt and the forecourt
# user are never deleted here: a database is not something a package manager should throw away.
set -e
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || true
  if [ "$1" = 1 ]; then
    systemctl try-restart forecourt.service >/dev/null 2>&1 || true
  fi
fi
case "$1" in
  purge|0)
    echo "Forecourt removed; its data stays in /var/lib/forecourt (delete it and the user forecourt by hand)."
    ;;
esac
exit 0
