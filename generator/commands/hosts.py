"""`check --site DIR --host NAME` and `build --host NAME`: a built site weighed against its host's limits
(generator/output/budget.py has the measuring and the table of hosts)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from generator.errors import HostLimitError, WriteError
from generator.output.budget import HOSTS, exceeded, over_message, report_lines, weigh_site


def check_site(site: Path, host_name: str, show: Callable[[str], None] = print) -> None:
    """A site folder + a host's name (+ where to print) → its weight and the host's limits shown; HostLimitError
    when it is over one of them (the message names the limits and the heaviest parts)."""
    if not site.is_dir():
        raise WriteError(f"the site folder {site} does not exist; build it first or pass --site FOLDER")
    host = HOSTS[host_name]
    weight = weigh_site(site)
    for line in report_lines(site, weight, host):
        show(line)
    over = exceeded(weight, host)
    if over:
        raise HostLimitError(over_message(site, weight, host, over))
