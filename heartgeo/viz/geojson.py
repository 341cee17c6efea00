"""folium's GeoJson layer, rendered without reading its own output as a template.

branca renders each element's ``header``, ``html`` and ``script`` macros, then wraps each
output in a new ``Element``, which compiles that text as a Jinja template before it is
rendered again. For a GeoJson layer the script holds the layer's data: on a city-size
report, compiling a few megabytes of coordinates as templates took about 1 s of the maps'
writing (py-spy, SYNTHETIC city grid), and a ``{{`` in a zone's name would be read as
template syntax. :class:`GeoJson` adds the same texts to the same places as they are.

Every other element does the same on a thread inside :func:`plain_macros` (heartgeo's own
rendering, :func:`heartgeo.viz.render.render_html`): a report's three maps compiled about
610 such templates, 0.2 s of the maps' thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import folium
from branca.element import Element, MacroElement


class _Text(Element):
    """Text that renders as itself (no template)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Text"
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def _render_macros(self, **kwargs) -> None:
    """:meth:`branca.element.MacroElement.render`, adding the macros' texts as they are."""
    figure = self.get_root()
    macros = self._template.module.__dict__
    for part in ("header", "html", "script"):
        macro = macros.get(part)
        if macro is not None:
            getattr(figure, part).add_child(_Text(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


class _Macros(MacroElement):
    """A MacroElement rendered by :func:`_render_macros`."""

    render = _render_macros


_BRANCA_RENDER = MacroElement.render
_install = threading.Lock()
_plain = threading.local()  # how many plain_macros blocks this thread is in


def _dispatch(self, **kwargs) -> None:
    """MacroElement.render once :func:`plain_macros` has been used: plain on a thread
    inside a ``plain_macros`` block, branca's own everywhere else.
    """
    if getattr(_plain, "depth", 0):
        return _render_macros(self, **kwargs)
    return _BRANCA_RENDER(self, **kwargs)


@contextmanager
def plain_macros() -> Iterator[None]:
    """Every MacroElement rendered on this thread meanwhile by :func:`_render_macros`.

    Other threads keep branca's own rendering (a user's map in a notebook, while heartgeo
    writes its maps on a thread of its own): on first use, branca's method is replaced by
    :func:`_dispatch`, which asks whether the rendering thread is inside this block.
    """
    with _install:
        if MacroElement.render is _BRANCA_RENDER:
            MacroElement.render = _dispatch
    _plain.depth = getattr(_plain, "depth", 0) + 1
    try:
        yield
    finally:
        _plain.depth -= 1


class GeoJson(folium.GeoJson, _Macros):
    """:class:`folium.GeoJson`, same arguments, same HTML, rendered in one pass."""
