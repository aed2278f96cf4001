"""The `oncotrial` command line.

Each command group lives in its own module and is registered here. Commands parse
their arguments, call the domain or a service, and render the result (text or --json).
Usage errors exit with status 2.
"""

from __future__ import annotations

import click

from oncotrial import __version__
from oncotrial.cli.analyze import analyze
from oncotrial.cli.audit import audit
from oncotrial.cli.ctcae import ctcae
from oncotrial.cli.demo import demo
from oncotrial.cli.design import design
from oncotrial.cli.protocol import protocol
from oncotrial.cli.recist import recist
from oncotrial.cli.registry import registry
from oncotrial.cli.report import report
from oncotrial.cli.simulate import simulate
from oncotrial.cli.study import study


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="oncotrial")
def main() -> None:
    """Run investigator-initiated oncology clinical trials."""


main.add_command(protocol)
main.add_command(design)
main.add_command(analyze)
main.add_command(study)
main.add_command(demo)
main.add_command(recist)
main.add_command(registry)
main.add_command(audit)
main.add_command(ctcae)
main.add_command(report)
main.add_command(simulate)
