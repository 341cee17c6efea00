"""Errors raised for bad user input.

Every problem a user can fix (a missing file, a wrong column, a point outside the
study area...) is raised as :class:`InputError`, whose message is one line naming the
file, the row or field, and the fix. The CLI prints it and exits with code 2, without
a traceback.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input that the user can fix; the message is a single line."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
