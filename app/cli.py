"""Registers each area's ``flask`` commands."""

from __future__ import annotations

from flask import Flask


def register_commands(app: Flask) -> None:
    from app.accounts.cli import create_admin_command
    from app.core.backup import backup_command
    from app.demo.bulk import bench_data_command
    from app.demo.cli import seed_demo_command
    from app.mail.cli import mail_cli
    from app.reminders import tick_command
    from app.twofactor.cli import two_factor_off_command, two_factor_reseal_command

    app.cli.add_command(create_admin_command)
    app.cli.add_command(two_factor_off_command)
    app.cli.add_command(two_factor_reseal_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(bench_data_command)
    app.cli.add_command(mail_cli)
    app.cli.add_command(tick_command)
    app.cli.add_command(backup_command)
