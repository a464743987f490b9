"""Click options shared by the command modules (kg.cli, kg.cli_query)."""

from __future__ import annotations

import click

output_option = click.option(
    "-o",
    "--output",
    default="-",
    show_default=True,
    metavar="FILE",
    help="Write to FILE instead of stdout (- is stdout). The file is replaced atomically.",
)
