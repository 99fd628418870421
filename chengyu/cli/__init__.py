"""The ``chengyu`` command: dataset info, zone areas and the maps, rio/fio style.

- :mod:`~chengyu.cli.main`: the console script's shell (signals, exit codes), which imports nothing heavy;
- :mod:`~chengyu.cli.group`: the click group of the commands, and their errors as one line and a code;
- one module per command: :mod:`~chengyu.cli.info`, :mod:`~chengyu.cli.area`, :mod:`~chengyu.cli.build`,
  :mod:`~chengyu.cli.map`;
- what they share: :mod:`~chengyu.cli.options` (every shared option, defined once),
  :mod:`~chengyu.cli.tables` (text table, CSV, JSON), :mod:`~chengyu.cli.layers` (reading and measuring a
  user's layer, with :mod:`~chengyu.cli.budget`'s limits), :mod:`~chengyu.cli.pages` (writing a map page),
  :mod:`~chengyu.cli.output` (stdout, stderr, output files) and :mod:`~chengyu.cli.state` (what the running
  command is doing).
"""
