/* heartgeo planner: the map, the sites list, the numbers (drawn by planner.js's refresh). */
window.heartgeoPlannerUI = function (D) {
  "use strict";
  var BAND_COLOURS = D.style.band_colours, GAP = D.style.gap_colour;
  var api = function () { return window.heartgeoPlanner; };
  function esc(v) {
    return String(v).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }
  function fmt(v) { return Math.round(v).toLocaleString("en-US"); }
  function pct(v, of) { return of > 0 ? (100 * v / of).toFixed(1) + "%" : "n/a"; }

  var map = L.map("heartgeo-map", {zoomControl: true, preferCanvas: true, keyboard: true});
  if (D.basemap) {
    L.tileLayer(D.basemap.url, {attribution: D.basemap.attribution, subdomains: "abcd", maxZoom: 19}).addTo(map);
  }
  map.attributionControl.addAttribution(D.attribution);  // heartgeo's own text (HTML)
  var outline = L.geoJSON(D.outlines, {
    style: function (f) {
      return f.properties.kind === "city" ? {color: "#000", weight: 2, fill: false}
        : f.properties.kind === "area" ? {color: "#000", weight: 2, dashArray: "6 4", fill: false}
        : {color: "#555", weight: 1, fill: false, dashArray: "2 3"};
    }, interactive: false
  }).addTo(map);
  map.fitBounds(outline.getBounds());

  map.createPane("hg-cells").style.zIndex = 350;  // under the outlines and the sites
  // the cells, coloured by the band of their centre's time (the gap in orange), on a canvas
  var lastTime = null;
  var CellLayer = L.Layer.extend({
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "heartgeo-cells");
      this._canvas.style.pointerEvents = "none";  // clicks go to the sites and the map
      m.getPane("hg-cells").appendChild(this._canvas);
      m.on("moveend zoomend resize", this.draw, this); this.draw();
    },
    onRemove: function (m) { L.DomUtil.remove(this._canvas); m.off("moveend zoomend resize", this.draw, this); },
    draw: function () {
      if (!this._canvas || !lastTime) return;
      var size = map.getSize(), cv = this._canvas, ctx = cv.getContext("2d");
      cv.width = size.x; cv.height = size.y;
      L.DomUtil.setPosition(cv, map.containerPointToLayerPoint([0, 0]));
      var mpp = 40075016.686 * Math.cos(map.getCenter().lat * Math.PI / 180) / Math.pow(2, map.getZoom() + 8);
      var r = D.cell_size_m / Math.sqrt(3) / mpp, lon = D.cell_lon, lat = D.cell_lat, bands = D.bands_min;
      cv.style.opacity = 0.55;  // one opacity for the whole layer: no seams between cells
      for (var c = 0; c < lon.length; c++) {
        var pt = map.latLngToContainerPoint([lat[c], lon[c]]);
        if (pt.x < -r || pt.y < -r || pt.x > size.x + r || pt.y > size.y + r) continue;
        var minutes = lastTime[c] / 60, colour = GAP;
        for (var b = 0; b < bands.length; b++) if (minutes <= bands[b]) { colour = BAND_COLOURS[b]; break; }
        if (colour === GAP && D.cell_known[c] < 0.5) colour = D.style.unknown_colour; // no road data
        else if (colour === GAP && !(D.cell_people[c] > 0)) continue;
        ctx.fillStyle = colour; ctx.beginPath();
        for (var k = 0; k < 6; k++) {
          var ang = Math.PI / 180 * (30 + 60 * k);
          ctx[k ? "lineTo" : "moveTo"](pt.x + r * Math.cos(ang), pt.y - r * Math.sin(ang));
        }
        ctx.closePath(); ctx.fill();
        ctx.strokeStyle = colour; ctx.lineWidth = 1; ctx.stroke();  // no seams between cells
      }
    }
  });
  var cells = new CellLayer().addTo(map);

  // candidates: click to switch on or off
  var candLayer = L.layerGroup().addTo(map), siteLayer = L.layerGroup().addTo(map), candidateById = {};
  D.candidates.forEach(function (c) { candidateById[c.id] = c; });
  D.candidates.forEach(function (c) {
    var m = L.circleMarker([c.lat, c.lon], {radius: 6, color: "#000", weight: 1, fillColor: "#bbbbbb", fillOpacity: 1,
      bubblingMouseEvents: false});
    m.bindTooltip(esc(c.name) + " (candidate: click to switch on or off)");
    m.on("click", function (ev) { L.DomEvent.stop(ev); toggleCandidate(c); });
    m.addTo(candLayer);
  });
  function toggleCandidate(c) {
    var st = api()._state(), at = -1;
    st.forEach(function (s, k) { if (s.id === c.id) at = k; });
    commitOr(function () {
      var next = st.slice();
      if (at >= 0) next.splice(at, 1);
      else next.push(placeLike(c, c.id, c.name));
      return next;
    });
  }
  function placeLike(p, id, name, hours) { // projected (and snapped, on the network)
    return api()._place({id: id, name: name, lon: +p.lon, lat: +p.lat, hours: hours || null});
  }
  function commitOr(make) { // a change the model refuses (a site too far from a road) is said
    try { api()._commit(make()); message(""); return true; } catch (err) { message(err.message); return false; }
  }
  // the city limit: a site outside it is refused, as the command line refuses it
  var cityRings = [];
  D.outlines.features.forEach(function (f) {
    if (f.properties.kind !== "city") return;
    var g = f.geometry, polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
    polys.forEach(function (poly) { poly.forEach(function (ring) { cityRings.push(ring); }); });
  });
  function inCity(lon, lat) { // even-odd rule over every ring (holes included)
    var inside = false;
    cityRings.forEach(function (ring) {
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
      }
    });
    return inside;
  }
  function refuseOutside(lon, lat) {
    if (inCity(lon, lat)) { message(""); return false; }
    message("That point lies outside the city limit: place sites inside the city.");
    return true;
  }
  map.on("click", function (ev) { addSite(ev.latlng); });
  function addSite(latlng) {
    if (refuseOutside(latlng.lng, latlng.lat)) return;
    var id = api()._newId("site");
    commitOr(function () {
      return api()._state().concat([placeLike({lon: latlng.lng, lat: latlng.lat}, id, "New site " + id.split("_")[1])]);
    });
  }

  // the panel
  var $ = function (id) { return document.getElementById(id); };
  $("hg-add").addEventListener("click", function () { addSite(map.getCenter()); });
  $("hg-undo").addEventListener("click", function () { api().undo(); });
  $("hg-redo").addEventListener("click", function () { api().redo(); });
  $("hg-save-a").addEventListener("click", function () { api().save("A"); });
  $("hg-save-b").addEventListener("click", function () { api().save("B"); });
  $("hg-export").addEventListener("click", function () {
    var blob = new Blob([api().exportCsv()], {type: "text/csv"}), a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = "planner_sites.csv"; a.click();
  });
  $("hg-import").addEventListener("change", function (ev) {
    var f = ev.target.files[0]; if (!f) return;
    f.text().then(function (t) {
      try { api().importCsv(t); message(""); } catch (err) { message("Import refused: " + err.message); }
    });
  });
  function message(text) { $("hg-message").textContent = text; }
  var PRESETS = D.presets;
  function siteRow(s, k) {
    var li = document.createElement("li"), custom = PRESETS.indexOf(s.hours || D.workload.hours) < 0;
    li.innerHTML = '<span class="hg-num">' + (k + 1) + '</span> <input class="hg-name" aria-label="Site name" value="' + esc(s.name) + '">' +
      ' <select class="hg-hours" aria-label="Duty hours">' + PRESETS.map(function (p) {
        return '<option' + (p === (s.hours || D.workload.hours) ? " selected" : "") + ">" + esc(p) + "</option>";
      }).join("") + '<option value="__custom"' + (custom ? " selected" : "") + '>other hours…</option></select>' +
      ' <input class="hg-custom" aria-label="Duty hours, as text" placeholder="Mon-Fri 07:00-19:00" value="' +
      esc(custom ? s.hours : "") + '"' + (custom ? "" : " hidden") + '>' +
      ' <button class="hg-del" aria-label="Delete ' + esc(s.name) + '" title="Delete this site">×</button>';
    function update(change) {
      var next = api()._state().map(function (x) { return Object.assign({}, x); });
      change(next[k]); api()._commit(next);
    }
    li.querySelector(".hg-name").addEventListener("change", function (ev) { var v = ev.target.value; update(function (x) { x.name = v; }); });
    li.querySelector(".hg-hours").addEventListener("change", function (ev) {
      var v = ev.target.value;
      if (v === "__custom") { li.querySelector(".hg-custom").hidden = false; li.querySelector(".hg-custom").focus(); return; }
      update(function (x) { x.hours = v; });
    });
    li.querySelector(".hg-custom").addEventListener("change", function (ev) {
      var v = ev.target.value.trim(), bad = api()._validHours(v);
      if (bad) { message("Hours " + JSON.stringify(v) + " refused: " + bad); return; }
      message(""); update(function (x) { x.hours = v; });
    });
    li.querySelector(".hg-del").addEventListener("click", function () {
      var next = api()._state().slice(); next.splice(k, 1); api()._commit(next);
    });
    return li;
  }
  function drawSites(state) {
    siteLayer.clearLayers();
    var list = $("hg-sites"); list.innerHTML = "";
    state.forEach(function (s, k) {
      var icon = L.divIcon({className: "hg-site", html: "<span>" + (k + 1) + "</span>", iconSize: [24, 24], iconAnchor: [12, 12]});
      var m = L.marker([s.lat, s.lon], {draggable: true, icon: icon, keyboard: false, title: s.name});
      m.bindTooltip(esc(s.name) + " — " + esc(s.hours || D.workload.hours) + " (drag to move" +
        (candidateById[s.id] ? ", click to switch off)" : ")"));
      m.on("dragend", function () {
        var ll = m.getLatLng(), next = api()._state().slice();
        if (refuseOutside(ll.lng, ll.lat)) { m.setLatLng([s.lat, s.lon]); return; }
        if (!commitOr(function () { next[k] = placeLike({lon: ll.lng, lat: ll.lat}, s.id, s.name, s.hours); return next; })) {
          m.setLatLng([s.lat, s.lon]);
        }
      });
      m.on("click", function (ev) { // a switched-on candidate: a click switches it off
        L.DomEvent.stop(ev);
        var c = candidateById[s.id];
        if (c && Math.abs(c.lat - s.lat) < 1e-7 && Math.abs(c.lon - s.lon) < 1e-7) toggleCandidate(c);
      });
      m.addTo(siteLayer);
      list.appendChild(siteRow(s, k));
    });
  }
  function areaRows(r) {
    var head = "<tr><th>area</th><th>residents</th>" + D.bands_min.map(function (m) { return "<th>≤ " + m + " min</th>"; }).join("") +
      "<th>gap</th>" + (D.travel.kind === "network" ? "<th title=\"no road data\">unknown</th>" : "") +
      "<th title=\"newly covered within " + D.bands_min[D.headline] + " min against the starting sites\">new</th></tr>";
    return "<table>" + head + Object.keys(r.areas).map(function (k) {
      var a = r.areas[k];
      return "<tr><td>" + esc(k) + "</td><td>" + fmt(a.residents) + "</td>" + D.bands_min.map(function (m) {
        return "<td>" + pct(a.within[String(m)], a.residents) + "</td>";
      }).join("") + "<td>" + fmt(a.gap) + "</td>" + (D.travel.kind === "network" ? "<td>" + fmt(a.unknown) + "</td>" : "") +
        "<td>" + fmt(a.newly_covered) + "</td></tr>";
    }).join("") + "</table>";
  }
  function compareRows(saved) {
    if (!saved.A && !saved.B) return "<p>Save the current sites as A or B to compare them.</p>";
    var city = D.areas[0].name, pilot = D.areas[1].name, h = String(D.bands_min[D.headline]);
    var rows = [["residents within " + h + " min, " + city, function (r) { return r.areas[city].within[h]; }, fmt],
      ["residents within " + h + " min, " + pilot, function (r) { return r.areas[pilot].within[h]; }, fmt],
      ["gap, " + city, function (r) { return r.areas[city].gap; }, fmt],
      ["person-hours share", function (r) { return 100 * r.person_hours_share; }, function (v) { return v.toFixed(1) + " %"; }],
      ["calls answered (estimate)", function (r) { return 100 * r.calls.answered_share; }, function (v) { return v.toFixed(1) + " %"; }],
      ["calls within " + D.workload.standard_min + " min (estimate)", function (r) { return 100 * r.calls.within_standard_share; }, function (v) { return v.toFixed(1) + " %"; }]];
    return "<table><tr><th></th><th>A</th><th>B</th><th>B − A</th></tr>" + rows.map(function (row) {
      var a = saved.A ? row[1](saved.A.results) : null, b = saved.B ? row[1](saved.B.results) : null;
      return "<tr><td>" + esc(row[0]) + "</td><td>" + (a === null ? "–" : row[2](a)) + "</td><td>" + (b === null ? "–" : row[2](b)) +
        "</td><td>" + (a === null || b === null ? "–" : (b - a >= 0 ? "+" : "") + row[2](b - a)) + "</td></tr>";
    }).join("") + "</table>";
  }
  return {
    map: map,
    render: function (state, r, saved, ms) {
      lastTime = r.time; cells.draw(); drawSites(state);
      var city = r.areas[D.areas[0].name], h = String(D.bands_min[D.headline]);
      $("hg-headline").textContent = pct(city.within[h], city.residents) + " of residents within " + h +
        " min of a site (" + fmt(city.within[h]) + " of " + fmt(city.residents) + ")" +
        (city.unknown > 0.5 ? "; unknown, no road data: " + pct(city.unknown, city.residents) : "") +
        (D.model.screening ? " — SCREENING estimate" : "");
      $("hg-areas").innerHTML = areaRows(r);
      $("hg-hours-line").textContent = "Person-hours within " + h + " min of a unit on duty: " + (100 * r.person_hours_share).toFixed(1) + " %.";
      $("hg-calls").textContent = "Estimate: " + (100 * r.calls.answered_share).toFixed(1) + " % of the " + D.areas[0].name +
        " area's eligible calls answered, " + (100 * r.calls.within_standard_share).toFixed(1) + " % within " + D.workload.standard_min +
        " min (Erlang-B per hour, " + D.workload.calls_per_day.toFixed(1) + " calls a day; " + D.workload.note + ")" +
        (r.calls.road_data_share < 0.9995 ? "; of the calls from the part with road data (" +
          pct(r.calls.road_data_share, 1) + " of the area's), the rest left out as heartgeo simulate does." : ".");
      $("hg-compare").innerHTML = compareRows(saved);
      $("hg-timing").textContent = "Updated in " + ms.toFixed(0) + " ms.";
    }
  };
};
