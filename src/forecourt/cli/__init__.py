"""The `forecourt` command: one console script for operators (click).

`main.py` is the root group and lists every command group; `base.py` the set-up every command shares
(configuration, logging, Django, the database) and the exit codes; one module per group of commands.
Commands import Django models inside their functions, after `base.setup`: this package is the only
place where imports inside functions are the rule. (`version` and `--help` need no configuration.)
"""

from .main import cli, main

__all__ = ["cli", "main"]
