#!/bin/sh
# Before the files are unpacked (first install and upgrades, deb and rpm): the dedicated system user
# `forecourt`, so that /opt/forecourt/portal.conf (group forecourt) and /var/lib/forecourt get their
# owner. Idempotent: an existing user or group is left as it is.
set -e
if ! getent group forecourt >/dev/null; then
  groupadd --system forecourt
fi
if ! getent passwd forecourt >/dev/null; then
  useradd --system --gid forecourt --home-dir /var/lib/forecourt --no-create-home \
    --shell /usr/sbin/nologin --comment "Forecourt API developer portal" forecourt
fi
