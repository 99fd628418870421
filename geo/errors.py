"""The one exception type users see: a problem with an input, said in one line.

Everything a user's file can put into a message (file, layer, member and column names, values)
goes through :func:`one_line` on its way out: control characters are escaped, so a name cannot
clear the screen or forge a line, and long values are cut with "…".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from os import PathLike
from typing import Final

#: Longest run of non-space characters kept whole in a message; longer ones are cut with "…".
MAX_WORD: Final = 160
#: Longest message (or file name) kept whole.
MAX_LINE: Final = 600

# Unicode categories that do not print as themselves: controls (C0, DEL, C1), format characters
# (bidirectional overrides, zero-width ones) and line/paragraph separators.
_UNPRINTABLE: Final = ("Cc", "Cf", "Zl", "Zp")
_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_LONG_WORD: Final = re.compile(r"\S{" + str(MAX_WORD + 1) + ",}")


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escaped(text: str) -> str:
    r"""``text`` with every character that does not print as itself written as an escape.

    >>> print(escaped("a\x1b[2Jb\nc 沙坪坝"))
    a\x1b[2Jb\nc 沙坪坝
    """
    if text.isprintable():  # the common case, checked in C
        return text
    return "".join(_escape(c) if unicodedata.category(c) in _UNPRINTABLE else c for c in text)


def shortened(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the cut marked with "…" (head and tail kept).

    >>> shortened("x" * 20, 9)
    'xxxx…xxxx'
    """
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def one_line(text: object, limit: int = MAX_LINE) -> str:
    r"""``text`` as one safe terminal line: escaped, white space folded, long words and lines cut.

    >>> print(one_line("a\x1b[2J  b\n c"))
    a\x1b[2J b\n c
    >>> len(one_line("9" * 309)), one_line("9" * 309).count("…")
    (160, 1)
    """
    folded = " ".join(escaped(str(text)).split())
    folded = _LONG_WORD.sub(lambda m: shortened(m.group(), MAX_WORD), folded)
    return shortened(folded, limit)


# A parameter named in a message, as the library writes it: ``crs=``, ``crs='EPSG:32648'`` or, for a
# switch, ``overwrite=True`` (a command's flag alone).
_PARAMETER: Final = re.compile(r"(?<![\w-])([a-z][a-z0-9_]*)=(?:'((?:[^'\\]|\\.)*)'|True\b)?")


class AtlasError(Exception):
    """An input problem the user can fix; ``str(err)`` is one line naming the file.

    Messages name the library's parameters as Python does (``crs=``, ``layer_name='roads'``); a caller
    that spells them otherwise, such as the ``chengyu`` command, words the message with :meth:`worded`.

    >>> err = AtlasError("parks.gpkg", "has 3 layers; pick one with layer_name=")
    >>> str(err)
    'parks.gpkg: has 3 layers; pick one with layer_name='
    """

    def __init__(self, source: str | PathLike[str], problem: str) -> None:
        self.source = shortened(escaped(str(source)), MAX_LINE)  # a file name as it is, but escaped
        self.problem = one_line(problem)  # always one line
        super().__init__(f"{self.source}: {self.problem}")

    def worded(self, spelling: Mapping[str, str]) -> str:
        """The message with each parameter in ``spelling`` written as that caller's option.

        >>> err = AtlasError("a.csv", "no CRS; pass crs= (e.g. crs='EPSG:32648'); size=3 kept")
        >>> err.worded({"crs": "--crs"})
        'a.csv: no CRS; pass --crs (e.g. --crs EPSG:32648); size=3 kept'
        >>> AtlasError("out.csv", "already exists; pass overwrite=True to replace it").worded({"overwrite": "--force"})
        'out.csv: already exists; pass --force to replace it'
        """

        def option(match: re.Match[str]) -> str:
            flag = spelling.get(match.group(1))
            if flag is None:
                return match.group()
            value = match.group(2)
            return flag if value is None else f"{flag} {value}"

        return f"{self.source}: {_PARAMETER.sub(option, self.problem)}"

    def __reduce__(self) -> tuple[type[AtlasError], tuple[str, str]]:
        # picklable, so an error raised in a dask worker reaches the user as the same one line
        return (type(self), (self.source, self.problem))


class PlanError(AtlasError):
    """The plan-attribute file does not match its schema."""
