"""Errors raised for bad user input.

Every problem a user can fix (a missing file, a wrong column, a point outside the
study area...) is raised as :class:`InputError`, whose message is one line naming the
file, the row or field, and the fix. Library messages name a parameter by its Python
name (``buffer_m``); the command line shows the option instead (``--buffer``). The CLI
prints the message and exits with code 2, without a traceback.
"""

from __future__ import annotations

import re


def shown(value) -> str:
    """A value as a message shows it: numbers plainly (not ``np.int32(-1200)``), text
    quoted, and control characters (NUL...) escaped, at most 80 characters.
    """
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    text = repr(value) if isinstance(value, str | bytes) else str(value)
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
    return text if len(text) <= 80 else text[:77] + "..."


class HeartgeoError(Exception):
    """The base of every error heartgeo raises on purpose."""


class InputError(HeartgeoError, ValueError):
    """Bad input that the user can fix; the message is a single line.

    Parameters
    ----------
    message
        What is wrong and how to fix it (whitespace is collapsed to one line).
    param
        The parameter(s) the message is about, by their Python names (for example
        ``"buffer_m"``), so that a front end can name them its own way.
    """

    def __init__(self, message: str, param: str | tuple[str, ...] | None = None):
        super().__init__(" ".join(str(message).split()))
        self.param = param

    def renamed(self, names: dict[str, str]) -> str:
        """The message with each parameter's name replaced by ``names[param]``."""
        text = str(self)
        params = (self.param,) if isinstance(self.param, str) else (self.param or ())
        for name in params:
            if name in names:
                text = re.sub(rf"(?<![\w-]){re.escape(name)}(?![\w-])", names[name], text)
        return text


class MissingColumnError(InputError):
    """An input layer or table lacks a required column (the message names it)."""


class MissingCRSError(InputError):
    """An input layer has no coordinate reference system."""


class OutsideAreaError(InputError):
    """A point (a staging site, a candidate) lies outside the study area."""


class OverLimitError(InputError):
    """An input or parameter exceeds a limit that bounds memory or time."""
