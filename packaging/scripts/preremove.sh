#!/bin/sh
# Before the files go. Arguments: deb `remove`, `upgrade <new version>`, `deconfigure`, ...;
# rpm `0` (erase) or `1` (upgrade). Only a removal stops and disables the service.
set -e
case "$1" in
  remove|deconfigure|0)
    if [ -d /run/systemd/system ]; then
      systemctl disable --now forecourt.service >/dev/null 2>&1 || true
    fi
    ;;
esac
exit 0
