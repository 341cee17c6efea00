"""folium's GeoJson layer, rendered without reading its own output as a template.

branca renders each element's ``header``, ``html`` and ``script`` macros, then wraps each
output in a new ``Element``, which compiles that text as a Jinja template before it is
rendered again. For a GeoJson layer the script holds the layer's data: on a city-size
report, compiling a few megabytes of coordinates as templates took about 1 s of the maps'
writing (py-spy, SYNTHETIC city grid), and a ``{{`` in a zone's name would be read as
template syntax. :class:`GeoJson` adds the same texts to the same places as they are.
"""

from __future__ import annotations

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


class _Macros(MacroElement):
    """:meth:`branca.element.MacroElement.render`, adding the macros' texts as they are."""

    def render(self, **kwargs) -> None:
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = macros.get(part)
            if macro is not None:
                getattr(figure, part).add_child(_Text(macro(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class GeoJson(folium.GeoJson, _Macros):
    """:class:`folium.GeoJson`, same arguments, same HTML, rendered in one pass."""
