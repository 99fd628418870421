"""What the running command is doing: read by its messages, reset by each run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Run:
    """The state of one run of a command (one process runs one, tests run many)."""

    budgets: bool = False  # arm the read budgets (the console script)
    reading: str | None = None  # the layer last read (and then measured or drawn)
    inputs: list[Path] = field(default_factory=list)  # the command's input files: never replaced by an output

    def reset(self, *, budgets: bool) -> None:
        """A new run: nothing read yet, no inputs."""
        self.budgets, self.reading, self.inputs = budgets, None, []


#: The command running in this process.
RUN = Run()
