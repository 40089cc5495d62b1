"""The database's commands: `forecourt migrate`, `forecourt bootstrap` (the first super-admin) and
`forecourt search-index rebuild`."""

import os
import secrets
from typing import IO

import click

from forecourt.wording import counted

from .base import EXIT_FAILURE, fail, setup


@click.command()
@click.option("--plan", is_flag=True, help="Only list the pending migrations.")
@click.pass_context
def migrate(ctx: click.Context, plan: bool) -> None:
    """Apply pending database migrations under the migration lock."""
    setup(ctx, database=True)
    from forecourt.ops import startup

    try:
        if plan:
            pending = startup.pending_migrations()
            for name in pending:
                click.echo(name)
            click.echo(f"{len(pending)} pending migration(s)", err=True)
            return
        startup.migrate()
    except startup.StartupError as exc:
        fail(ctx, str(exc))


@click.command()
@click.option("--email", required=True, help="The super-admin's e-mail address (sign-in name).")
@click.option("--password", default=None, help="Password; generated and printed when omitted.")
@click.option("--password-file", type=click.File("r"), default=None, help="Read the password from a file.")
@click.option("--first-name", default="", help="First name.")
@click.option("--last-name", default="", help="Last name.")
@click.option("--token-file", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the Admin API token to this file (mode 0600) instead of printing it, e.g. where "
                   "the output ends up in logs (a Kubernetes init container).")
@click.pass_context
def bootstrap(ctx: click.Context, email: str, password: str | None, password_file: IO[str] | None,
              first_name: str, last_name: str, token_file: str | None) -> None:
    """Create the first super-admin, the Default Organisation and its Default Team (once)."""
    cfg = setup(ctx, database=True)
    from django.core.exceptions import ValidationError

    from forecourt.accounts import services
    from forecourt.ops import startup

    if startup.pending_migrations():
        fail(ctx, "the database has pending migrations: run `forecourt migrate` (or `forecourt serve`) first")
    if password_file is not None:
        password = password_file.read().rstrip("\r\n")
    generated = password is None
    if password is None:
        password = secrets.token_urlsafe(12)
    try:
        result = services.bootstrap(email, password, first_name, last_name)
    except services.AlreadyBootstrapped:
        click.echo("The portal is already bootstrapped (a super-admin exists); nothing changed.")
        return
    except ValidationError as exc:
        for message in exc.messages:
            click.echo(f"forecourt: bootstrap: {message}", err=True)
        ctx.exit(EXIT_FAILURE)
    port = cfg.host_port
    click.echo(f"Created the super-admin {result.user.email}, the {result.organisation.name} "
               f"and its {result.team.name}.")
    click.echo(f"Sign in at http://localhost:{port}/portal-admin/")
    click.echo(f"  e-mail:    {result.user.email}")
    if generated:
        click.echo(f"  password:  {password}   (generated, shown once: change it after signing in)")
    if token_file:
        fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(result.api_token + "\n")
        click.echo(f"Admin API token written to {token_file}")
    else:
        click.echo(f"Admin API token (shown once): {result.api_token}")


@click.group("search-index")
def search_index() -> None:
    """The Live Portal catalogue's search index."""


@search_index.command("rebuild")
@click.pass_context
def search_index_rebuild(ctx: click.Context) -> None:
    """Write the search index again from every product and its API documents.

    The index follows every change by itself; this is for an index that disagrees with the products
    (a database edited by hand, say). Safe to run on a live portal: one transaction.
    """
    setup(ctx, database=True)
    from django.db import transaction

    from forecourt.catalog import search
    from forecourt.sitesearch import indexing

    with transaction.atomic():
        count = search.rebuild()
        entries = indexing.rebuild()
    site = counted(entries, "site search entry", "site search entries")
    click.echo(f"search index rebuilt: {counted(count, 'product')}, {site}")
