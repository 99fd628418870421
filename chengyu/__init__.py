"""chengyu-atlas: maps and area figures for the Chengdu–Chongqing Economic Circle and the Science City.

The distribution's one import root. Its parts live in the repository's top-level folders and are
mapped here by setuptools' ``package-dir`` (see pyproject.toml), so installing adds no generic
top-level names such as ``maps`` to site-packages:

- :mod:`chengyu.shapes` (``shapes/``): the bundled boundary and plan files;
- :mod:`chengyu.geo` (``geo/``): GeoDataFrames and numbers;
- :mod:`chengyu.maps` (``maps/``): the HTML maps;
- :mod:`chengyu.cli` (``chengyu/cli/``): the ``chengyu`` command (``python -m chengyu`` runs it too).

>>> from chengyu.geo import science_city
>>> len(science_city())
5
"""
