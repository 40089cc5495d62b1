"""Write to the portal's database while a backup runs: `python -m tests.support.backup_writer DIR`.

Each transaction adds an organisation "w-N" and the audit entry that names it, so a backup that
is one snapshot holds both or neither. Progress goes to DIR/count; DIR/stop ends the loop.
"""

import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forecourt.settings")
    import django

    django.setup()
    from django.db import OperationalError, transaction

    from forecourt.accounts.models import Organisation
    from forecourt.audit.models import AuditEntry

    folder = Path(sys.argv[1])
    n = 0
    while not (folder / "stop").exists():
        try:
            with transaction.atomic():
                org = Organisation.objects.create(name=f"w-{n}")
                AuditEntry.objects.create(action="create", object_type="writer", object_id=str(org.pk),
                                          object_repr=org.name)
        except OperationalError:  # SQLite: the database is busy for a moment; try again
            continue
        n += 1
        (folder / "count.tmp").write_text(str(n))
        os.replace(folder / "count.tmp", folder / "count")


if __name__ == "__main__":
    main()
