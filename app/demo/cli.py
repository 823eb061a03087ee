import click


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create the demo data (safe to run twice)."""
