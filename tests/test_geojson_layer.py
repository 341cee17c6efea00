"""heartgeo's GeoJson layer: folium's HTML, with the data written as it is."""

import contextlib
from concurrent.futures import ThreadPoolExecutor

import folium
import jinja2
import pytest

from heartgeo.viz.geojson import GeoJson, plain_macros
from heartgeo.viz.render import _stable_ids, render_html

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


def _page(layer_class, data, render=render_html) -> str:
    fmap = folium.Map(location=[36.0, -78.9], zoom_start=12, tiles=None)
    layer_class(
        data,
        name="Sites",
        style_function=lambda _f: {"color": "#123456"},
        tooltip=folium.GeoJsonTooltip(fields=["name"]),
    ).add_to(fmap)
    return render(fmap)


def test_same_html_as_folium_for_plain_data():
    plain = {**FEATURES, "features": FEATURES["features"][:1]}
    assert _page(GeoJson, plain) == _page(folium.GeoJson, plain)


def test_template_syntax_in_the_data_stays_text():
    page = _page(GeoJson, FEATURES)
    assert "{{ 7 * 7 }} {% if x %}" in page
    # rendered by heartgeo, folium's own layer keeps it as text too ...
    assert "{{ 7 * 7 }} {% if x %}" in _page(folium.GeoJson, FEATURES)
    # ... rendered by branca alone, it reads its rendered data as a template again
    with pytest.raises(jinja2.TemplateSyntaxError):
        _page(folium.GeoJson, FEATURES, render=lambda fmap: fmap.get_root().render())


def _markers() -> folium.Map:
    fmap = folium.Map(location=[36.0, -78.9], zoom_start=12, tiles=None)
    sites = folium.FeatureGroup(name="Sites").add_to(fmap)
    folium.Marker([36.0, -78.9], tooltip="{{ 6 * 7 }}", popup="<b>HEART</b>").add_to(sites)
    folium.CircleMarker([36.01, -78.91], radius=4).add_to(sites)
    folium.LayerControl().add_to(fmap)
    return fmap


def test_plain_macros_give_brancas_html_on_their_thread_only():
    def page(plain: bool) -> str:
        with plain_macros() if plain else contextlib.nullcontext():
            return _stable_ids(_markers().get_root().render())

    plain, branca = page(True), page(False)
    # the same page, but for template syntax in a text, which branca reads again
    assert "{{ 6 * 7 }}" in plain and "{{ 6 * 7 }}" not in branca and "42" in branca
    assert plain.replace("{{ 6 * 7 }}", "42") == branca
    # another thread rendering meanwhile keeps branca's rendering
    with plain_macros(), ThreadPoolExecutor(1) as pool:
        other = pool.submit(lambda: _stable_ids(_markers().get_root().render())).result()
        assert other == branca
        assert _stable_ids(_markers().get_root().render()) == plain
    assert page(False) == branca
