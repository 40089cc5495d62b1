"""`forecourt config show`: the effective configuration and where each value came from."""

import json

import click

from .base import load_config


@click.group()
def config() -> None:
    """Inspect the configuration."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def config_show(ctx: click.Context, as_json: bool) -> None:
    """Show the effective configuration, secrets masked, and where each value came from."""
    cfg = load_config(ctx)
    rows = cfg.describe()
    if as_json:
        click.echo(json.dumps({"config_file": cfg.config_file, "settings": rows, "warnings": cfg.warnings},
                              indent=2))
        return
    click.echo(f"portal.conf: {cfg.config_file or '(none)'}")
    width = max(len(r["key"]) for r in rows)
    for row in rows:
        value = json.dumps(row["value"]) if not isinstance(row["value"], str) else row["value"]
        note = "  (no effect in Forecourt)" if row["ignored"] and row["source"] != "default" else ""
        click.echo(f"{row['key']:<{width}}  {value!s:<24}  {row['source']}{note}")
    for warning in cfg.warnings:
        click.echo(f"warning: {warning}", err=True)
