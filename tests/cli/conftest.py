"""``run``: the command run in this process, as ``run("area", ...) -> (exit code, stdout, stderr)``."""

import pytest

from chengyu.cli.main import main


@pytest.fixture
def run(capsys):
    def run_command(*args):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run_command
