"""The upgrade life-cycle: releases, backup and restore, upgrade checks, verification, downgrade.

Each step of the upgrade guide operators follow is a module here and a `forecourt` command
(in `forecourt.cli.backup` and `forecourt.cli.upgrade`).
"""
