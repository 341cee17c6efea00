"""heartgeo's GeoJson layer: folium's HTML, with the data written as it is."""

import folium
import jinja2
import pytest

from heartgeo.viz.geojson import GeoJson
from heartgeo.viz.render import render_html

FEATURES = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Point", "coordinates": [-78.9 + i / 100, 36.0]},
        }
        for i, name in enumerate(["Beat 1", "{{ 7 * 7 }} {% if x %}", "<b>1</b>"])
    ],
}


def _page(layer_class, data) -> str:
    fmap = folium.Map(location=[36.0, -78.9], zoom_start=12, tiles=None)
    layer_class(
        data,
        name="Sites",
        style_function=lambda _f: {"color": "#123456"},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    return render_html(fmap)


def test_same_html_as_folium_for_plain_data():
    plain = {**FEATURES, "features": FEATURES["features"][:1]}
    assert _page(GeoJson, plain) == _page(folium.GeoJson, plain)


def test_template_syntax_in_the_data_stays_text():
    page = _page(GeoJson, FEATURES)
    assert "{{ 7 * 7 }} {% if x %}" in page
    # folium's own layer reads its rendered data as a template again
    with pytest.raises(jinja2.TemplateSyntaxError):
        _page(folium.GeoJson, FEATURES)
