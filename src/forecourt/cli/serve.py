"""`forecourt serve` (the supervisor) and `forecourt worker` (the job worker it starts)."""

import sys

import click

from .base import setup


@click.command()
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Web worker processes (default: PORTAL_WORKERS, else from the CPU count).")
@click.option("--no-jobs", is_flag=True, help="Do not start the background-job worker.")
@click.pass_context
def serve(ctx: click.Context, workers: int | None, no_jobs: bool) -> None:
    """Migrate the database under a lock, then serve on HostPort with web workers and a job worker."""
    cfg = setup(ctx)
    from forecourt import supervisor

    sys.exit(supervisor.serve(cfg, workers=workers, jobs=not no_jobs))


@click.command(hidden=True)
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run the background-job worker (started by `serve`)."""
    setup(ctx, quiet_warnings=True)
    from forecourt.jobs.worker import Worker

    Worker().run()
