"""``python -m chengyu``: the ``chengyu`` command (:func:`chengyu.cli.main.run`)."""

from chengyu.cli.main import run

if __name__ == "__main__":
    run()
