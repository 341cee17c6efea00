/* heartgeo planner: try staging sites and duty hours in the browser, offline.
 * The model is the one of the command line (see heartgeo/report/planner_data.py):
 * crow-fly times (straight-line distance x seconds per metre), cells counted whole,
 * not at all, or by their lattice points where a band's edge crosses them. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("heartgeo-planner-data").textContent);

  // ---- typed arrays -------------------------------------------------------------
  function unpack(b64, Type) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Type(bytes.buffer);
  }
  var C = D.cells, NC = C.n;
  var CX = unpack(C.cx, Float32Array), CY = unpack(C.cy, Float32Array);
  var PX = unpack(C.px, Float32Array), PY = unpack(C.py, Float32Array);
  var LON = unpack(C.lon, Float32Array), LAT = unpack(C.lat, Float32Array);
  var MAIN = unpack(C.main_code, Uint8Array);
  var PCELL = unpack(D.parts.cell, Uint32Array), PCODE = unpack(D.parts.code, Uint8Array);
  var PPOP = unpack(D.parts.pop, Float64Array);
  var LDX = unpack(D.lattice.dx, Float32Array), LDY = unpack(D.lattice.dy, Float32Array);
  var NL = D.lattice.n, LCELLS = unpack(D.lattice.cells, Uint32Array);
  var FDX = unpack(D.lattice.fine_dx, Float32Array), FDY = unpack(D.lattice.fine_dy, Float32Array);
  var NF = D.lattice.fine_n;
  // each lattice point's share of the cell's area (its Voronoi polygon in the hexagon)
  var LW = unpack(D.lattice.w, Float32Array), FW = unpack(D.lattice.fine_w, Float32Array);
  var LCODE = unpack(D.lattice.code, Uint8Array);
  var NCODES = D.codes.length, OUTSIDE = 255;
  var CODE_KNOWN = new Uint8Array(D.codes.map(function (c) { return c.known; }));
  var RC = D.cell_size_m / Math.sqrt(3); // a cell's circumradius
  var SPM = D.travel.seconds_per_metre || 0;
  var BANDS = D.bands_min, NB = BANDS.length;
  var HEAD = BANDS.indexOf(10) >= 0 ? BANDS.indexOf(10) : Math.floor(NB / 2);
  var RADII = BANDS.map(function (m) { return SPM ? m * 60 / SPM : 0; });
  var RMAX = RADII[NB - 1];

  // parts of each cell (rows sorted by cell), lattice row of each cut cell
  var partStart = new Int32Array(NC + 1);
  for (var i = 0; i < PCELL.length; i++) partStart[PCELL[i] + 1]++;
  for (i = 0; i < NC; i++) partStart[i + 1] += partStart[i];
  var latRow = new Int32Array(NC).fill(-1);
  for (i = 0; i < LCELLS.length; i++) latRow[LCELLS[i]] = i;

  // ---- projection: lon/lat -> EPSG:32119 metres (Lambert conformal conic, 2SP) ----
  var P = D.projection, deg = Math.PI / 180;
  var e2 = P.f * (2 - P.f), e = Math.sqrt(e2);
  function mFn(phi) { var s = Math.sin(phi); return Math.cos(phi) / Math.sqrt(1 - e2 * s * s); }
  function tFn(phi) {
    var s = Math.sin(phi);
    return Math.tan(Math.PI / 4 - phi / 2) / Math.pow((1 - e * s) / (1 + e * s), e / 2);
  }
  var m1 = mFn(P.lat1 * deg), m2 = mFn(P.lat2 * deg);
  var t1 = tFn(P.lat1 * deg), t2 = tFn(P.lat2 * deg), t0 = tFn(P.lat0 * deg);
  var n = (Math.log(m1) - Math.log(m2)) / (Math.log(t1) - Math.log(t2));
  var F = m1 / (n * Math.pow(t1, n)), rho0 = P.a * F * Math.pow(t0, n);
  function project(lon, lat) {
    var rho = P.a * F * Math.pow(tFn(lat * deg), n), th = n * (lon - P.lon0) * deg;
    return [P.x0 + rho * Math.sin(th) - D.origin[0], P.y0 + rho0 - rho * Math.cos(th) - D.origin[1]];
  }

  // ---- duty hours: the command line's syntax -> minutes of the week -------------
  var DAYN = {mon: 0, tue: 1, wed: 2, thu: 3, fri: 4, sat: 5, sun: 6, monday: 0, tuesday: 1,
    wednesday: 2, thursday: 3, friday: 4, saturday: 5, sunday: 6};
  var GROUPS = {daily: [0, 1, 2, 3, 4, 5, 6], weekdays: [0, 1, 2, 3, 4], weekends: [5, 6]};
  function minuteOf(t) {
    var m = /^(\d{1,2})(?::(\d{2}))?$/.exec(t.trim());
    if (!m) throw new Error(JSON.stringify(t) + " is not a time HH:MM");
    var h = +m[1], mi = +(m[2] || 0);
    if (mi > 59 || h > 24 || (h === 24 && mi)) throw new Error(JSON.stringify(t) + " is not a time of day");
    return h * 60 + mi;
  }
  function daysOf(text) {
    var out = [];
    text.split(",").forEach(function (part) {
      part = part.trim().toLowerCase();
      if (GROUPS[part]) { out = out.concat(GROUPS[part]); return; }
      var ab = part.split("-"), a = DAYN[ab[0].trim()], b = ab.length > 1 ? DAYN[ab[1].trim()] : a;
      if (a === undefined || b === undefined) throw new Error(JSON.stringify(part) + " is not a day");
      for (var k = 0; k <= (b - a + 7) % 7; k++) out.push((a + k) % 7);
    });
    return out;
  }
  function normalise(text) {
    text = text.replace(/\s*[-\u2010-\u2015\u2212]\s*/g, "-");
    return text.replace(/\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?/gi, function (all, h, m, ap) {
      h = +h; if (h < 1 || h > 12) return all;
      h = h % 12 + (ap.toLowerCase() === "p" ? 12 : 0);
      return (h < 10 ? "0" : "") + h + ":" + (m || "00");
    });
  }
  var WEEK = 10080;
  function parseHours(text) {
    if (!text || !String(text).trim()) throw new Error("empty");
    var mask = new Uint8Array(WEEK);
    normalise(String(text)).split(";").forEach(function (w) {
      w = w.trim(); if (!w) return;
      if (/^(24\/7|always)$/i.test(w)) { mask.fill(1); return; }
      var span = /^([A-Za-z]+)\s*(\d[\d:]*)\s*-\s*([A-Za-z]+)\s*(\d[\d:]*)$/.exec(w);
      if (span) {
        var da = DAYN[span[1].toLowerCase()], db = DAYN[span[3].toLowerCase()];
        if (da === undefined || db === undefined) throw new Error("not a day in " + JSON.stringify(w));
        var s = da * 1440 + minuteOf(span[2]), en = db * 1440 + minuteOf(span[4]);
        if (en <= s) en += WEEK;
        for (var q = s; q < en; q++) mask[q % WEEK] = 1;
        return;
      }
      var tok = w.split(/\s+/), times = /^\d/.test(tok[tok.length - 1]) ? tok.pop() : null;
      var days = daysOf(tok.join("") || "daily"), start = 0, end = 1440;
      if (times) {
        var ab = times.split("-");
        if (ab.length !== 2) throw new Error(JSON.stringify(times) + " is not a time range HH:MM-HH:MM");
        start = minuteOf(ab[0]); end = minuteOf(ab[1]);
        if (start === 1440) throw new Error("a window cannot start at 24:00");
        if (end <= start) end += 1440;
      }
      days.forEach(function (d) { for (var q = start; q < end; q++) mask[(d * 1440 + q) % WEEK] = 1; });
    });
    var any = false; for (var k = 0; k < WEEK; k++) if (mask[k]) { any = true; break; }
    if (!any) throw new Error("no window");
    return mask;
  }
  var maskCache = {};
  function maskOf(hours) {
    var key = hours || D.workload.hours;
    if (!maskCache[key]) maskCache[key] = parseHours(key);
    return maskCache[key];
  }

  // ---- a sampled cell's parts, both models ------------------------------------------------
  // sums[code * NB + b] += each part's residents x its share of its own lattice weight
  // within band b (bands[0..nb)), and fresh the same for newc (null: none); a part with no
  // lattice point of its own (a sliver) takes the cell's share over its known parts
  var allCov = new Float64Array(NB);
  function addSampled(c, bands, nb, tot, cov, newc, sums, fresh) {
    var all = 0, allNew = 0, bi, code;
    allCov.fill(0);
    for (code = 0; code < NCODES; code++) {
      if (!tot[code] || !CODE_KNOWN[code]) continue;
      all += tot[code]; if (newc) allNew += newc[code];
      for (bi = 0; bi < nb; bi++) allCov[bands[bi]] += cov[code * NB + bands[bi]];
    }
    for (var p = partStart[c]; p < partStart[c + 1]; p++) {
      var cd = PCODE[p], own = tot[cd] > 0, t = own ? tot[cd] : all;
      if (!CODE_KNOWN[cd] || !t) continue;
      for (bi = 0; bi < nb; bi++) {
        var b = bands[bi];
        sums[cd * NB + b] += PPOP[p] * (own ? cov[cd * NB + b] : allCov[b]) / t;
      }
      if (newc) fresh[cd] += PPOP[p] * (own ? newc[cd] : allNew) / t;
    }
  }

  // ---- the road network: snapping, shortest paths, the covered rule ---------------------
  var NET = null;
  if (D.travel.kind === "network") {
    var N_ = D.travel;
    NET = {
      n: N_.n_nodes, nx: unpack(N_.node_x, Float32Array), ny: unpack(N_.node_y, Float32Array),
      indptr: unpack(N_.indptr, Uint32Array), indices: unpack(N_.indices, Uint32Array),
      secs: unpack(N_.seconds, Float64Array), segU: unpack(N_.seg_u, Uint32Array),
      ax: unpack(N_.seg_ax, Float32Array), ay: unpack(N_.seg_ay, Float32Array),
      bx: unpack(N_.seg_bx, Float32Array), by: unpack(N_.seg_by, Float32Array),
      off: unpack(N_.seg_offset, Float32Array), pace: unpack(N_.seg_pace, Float32Array),
      cstart: unpack(N_.cell_start, Uint32Array), csegs: unpack(N_.cell_segs, Uint32Array),
      pstart: unpack(N_.point_start, Uint32Array), pu: unpack(N_.point_u, Uint32Array),
      pextra: unpack(N_.point_extra, Float64Array), pknown: unpack(N_.point_known, Uint8Array),
      b2: N_.buffer_m * N_.buffer_m, maxSnap: N_.max_snap_m,
      be2: Math.pow(N_.buffer_m * N_.arc_radius, 2)
    };
    var nseg = N_.n_segments;
    NET.most = 1;
    for (var cc = 0; cc < NC; cc++) NET.most = Math.max(NET.most, NET.cstart[cc + 1] - NET.cstart[cc]);
    NET.len = new Float64Array(nseg); NET.ux = new Float64Array(nseg); NET.uy = new Float64Array(nseg);
    for (var q = 0; q < nseg; q++) {
      var sx = NET.bx[q] - NET.ax[q], sy = NET.by[q] - NET.ay[q], L = Math.sqrt(sx * sx + sy * sy);
      NET.len[q] = L; NET.ux[q] = sx / Math.max(L, 1e-12); NET.uy[q] = sy / Math.max(L, 1e-12);
    }
  }
  function snapNode(x, y) { // the nearest node and its distance, as the command line snaps
    var best = -1, bd = Infinity;
    for (var k = 0; k < NET.n; k++) {
      var dx = NET.nx[k] - x, dy = NET.ny[k] - y, d = dx * dx + dy * dy;
      if (d < bd) { bd = d; best = k; }
    }
    return [best, Math.sqrt(bd)];
  }
  var nodeCache = {}, CACHE = 64;
  function remember(cache, key, value) { // at most CACHE entries: the oldest goes first
    var keys = cache.__keys || (cache.__keys = []);
    keys.push(key); cache[key] = value;
    if (keys.length > CACHE) delete cache[keys.shift()];
  }
  function nodeTimes(source) { // Dijkstra from one node (a binary heap), memoised per node
    if (nodeCache[source]) return nodeCache[source];
    var n = NET.n, t = new Float64Array(n).fill(Infinity), done = new Uint8Array(n);
    var hn = new Int32Array(NET.indices.length + 1), hk = new Float64Array(NET.indices.length + 1), size = 0;
    function push(node, key) {
      var i = size++;
      while (i > 0) { var p = (i - 1) >> 1; if (hk[p] <= key) break; hn[i] = hn[p]; hk[i] = hk[p]; i = p; }
      hn[i] = node; hk[i] = key;
    }
    function pop() {
      var top = hn[0], last = hn[--size], key = hk[size], i = 0;
      while (true) {
        var l = 2 * i + 1; if (l >= size) break;
        var r = l + 1, m = r < size && hk[r] < hk[l] ? r : l;
        if (hk[m] >= key) break;
        hn[i] = hn[m]; hk[i] = hk[m]; i = m;
      }
      hn[i] = last; hk[i] = key;
      return top;
    }
    t[source] = 0; push(source, 0);
    while (size) {
      var key0 = hk[0], u = pop();
      if (done[u]) continue;
      done[u] = 1;
      for (var e = NET.indptr[u]; e < NET.indptr[u + 1]; e++) {
        var v = NET.indices[e], nt = key0 + NET.secs[e];
        if (nt < t[v]) { t[v] = nt; push(v, nt); }
      }
    }
    remember(nodeCache, source, t);
    return t;
  }
  function minTimes(sites) { // seconds from the nearest site to every node
    var out = new Float64Array(NET.n).fill(Infinity);
    sites.forEach(function (s) {
      var t = nodeTimes(s.node);
      for (var k = 0; k < out.length; k++) if (t[k] < out[k]) out[k] = t[k];
    });
    return out;
  }
  // a point's time: the earliest t(u) + (offset + first) x pace over the segments near it
  function arrival(list, base, nn, x, y) {
    var best = Infinity;
    for (var j = 0; j < nn; j++) {
      if (base[j] >= best) break; // the list is sorted by base: no later segment is earlier
      var q = list[j], rx = x - NET.ax[q], ry = y - NET.ay[q];
      var proj = rx * NET.ux[q] + ry * NET.uy[q], perp2 = rx * rx + ry * ry - proj * proj;
      if (perp2 > NET.b2) continue;
      // round ends and joins are drawn by the command line with 16-sided arcs: measured
      // with the radius of equal area (NET.be2); the flat sides with the buffer itself
      var hc = perp2 <= NET.be2 ? Math.sqrt(NET.be2 - perp2) : -1, first;
      if (proj < 0) { if (hc < 0 || proj + hc < 0) continue; first = 0; }
      else first = hc >= 0 ? Math.max(proj - hc, 0) : proj;
      if (first > NET.len[q] + 1e-9) continue;
      var t = base[j] + first * NET.pace[q];
      if (t < best) best = t;
    }
    return best;
  }
  function sortByBase(list, base, n) { // insertion sort: a cell has a few dozen segments
    for (var i = 1; i < n; i++) {
      var q = list[i], b = base[i], j = i - 1;
      while (j >= 0 && base[j] > b) { list[j + 1] = list[j]; base[j + 1] = base[j]; j--; }
      list[j + 1] = q; base[j + 1] = b;
    }
  }
  function coverageNet(times, start, headOnly) {
    var sums = new Float64Array(NCODES * NB), fresh = new Float64Array(NCODES), time = new Float32Array(NC).fill(Infinity);
    var cov = new Float64Array(NCODES * NB), tot = new Float64Array(NCODES), newc = new Float64Array(NCODES);
    var BL = headOnly ? [HEAD] : ALLB, NBL = BL.length, tmax = BANDS[BL[NBL - 1]] * 60, th = BANDS[HEAD] * 60;
    var most = NET.most, segs = new Int32Array(most), base = new Float64Array(most);
    var ssegs = new Int32Array(most), sbase = new Float64Array(most);
    var limits = BANDS.map(function (m) { return m * 60; });
    for (var c = 0; c < NC; c++) {
      var nn = 0, ns = 0;
      for (var j = NET.cstart[c]; j < NET.cstart[c + 1]; j++) {
        var q = NET.csegs[j], b0 = times[NET.segU[q]] + NET.off[q] * NET.pace[q];
        if (b0 <= tmax) { segs[nn] = q; base[nn++] = b0; }
        if (start) { var b1 = start[NET.segU[q]] + NET.off[q] * NET.pace[q]; if (b1 <= th) { ssegs[ns] = q; sbase[ns++] = b1; } }
      }
      if (!nn) continue;
      sortByBase(segs, base, nn);
      if (ns) sortByBase(ssegs, sbase, ns);
      var row = latRow[c], main = MAIN[c], nk = row < 0 ? NL : NF;
      var LX = row < 0 ? LDX : FDX, LY = row < 0 ? LDY : FDY, LWt = row < 0 ? LW : FW;
      var off = row * NF, cx = CX[c], cy = CY[c];
      cov.fill(0); tot.fill(0); newc.fill(0);
      var inCell = 0, halfBand = new Float64Array(NB);
      for (var k = 0; k < nk; k++) {
        var code = row < 0 ? main : LCODE[off + k], wk = LWt[k];
        if (code === OUTSIDE) continue;
        tot[code] += wk; inCell += wk;
        if (!CODE_KNOWN[code]) continue;
        var x = cx + LX[k], y = cy + LY[k], best = arrival(segs, base, nn, x, y);
        for (var bi = 0; bi < NBL; bi++) if (best <= limits[BL[bi]]) { cov[code * NB + BL[bi]] += wk; halfBand[BL[bi]] += wk; }
        if (start && best <= th && !(ns && arrival(ssegs, sbase, ns, x, y) <= th)) newc[code] += wk;
      }
      for (bi = 0; bi < NBL; bi++) if (halfBand[BL[bi]] * 2 >= inCell) { time[c] = Math.min(time[c], limits[BL[bi]]); break; }
      addSampled(c, BL, NBL, tot, cov, start ? newc : null, sums, fresh);
    }
    return {sums: sums, fresh: fresh, time: time};
  }

  // ---- coverage ----------------------------------------------------------------
  // sums[code * NB + b]: residents of zone code within band b of the nearest site
  // headOnly: the headline band alone (person-hours); startXs/Ys: also the residents
  // newly covered within the headline band against the starting sites
  var ALLB = BANDS.map(function (_, b) { return b; });
  function coverage(xs, ys, startXs, startYs, headOnly) {
    var S = xs.length, sums = new Float64Array(NCODES * NB), fresh = new Float64Array(NCODES);
    var time = new Float32Array(NC), near = new Int32Array(S), nearStart = new Int32Array(startXs ? startXs.length : 0);
    var cov = new Float64Array(NCODES * NB), tot = new Float64Array(NCODES), newc = new Float64Array(NCODES);
    var rh = RADII[HEAD], BL = headOnly ? [HEAD] : ALLB, NBL = BL.length, rmax = RADII[BL[NBL - 1]];
    var partialBands = new Int32Array(NB);
    for (var c = 0; c < NC; c++) {
      var cx = CX[c], cy = CY[c], dmin = Infinity, nn = 0;
      for (var s = 0; s < S; s++) {
        var dx = xs[s] - cx, dy = ys[s] - cy, d = Math.sqrt(dx * dx + dy * dy);
        if (d < dmin) dmin = d;
        if (d <= rmax + RC) near[nn++] = s;
      }
      time[c] = dmin * SPM;
      var p0 = partStart[c], p1 = partStart[c + 1];
      var dminStart = Infinity, ns = 0;
      if (startXs) {
        for (s = 0; s < startXs.length; s++) {
          var ex = startXs[s] - cx, ey = startYs[s] - cy, de = Math.sqrt(ex * ex + ey * ey);
          if (de < dminStart) dminStart = de;
          if (de <= rh + RC) nearStart[ns++] = s;
        }
      }
      var partial = false, bi, b, p;
      for (bi = 0; bi < NBL; bi++) {
        b = BL[bi];
        if (dmin + RC <= RADII[b]) { for (p = p0; p < p1; p++) sums[PCODE[p] * NB + b] += PPOP[p]; }
        else if (dmin - RC <= RADII[b]) partial = true;
      }
      var newFull = startXs && dmin + RC <= rh && dminStart - RC > rh;
      var newPartial = startXs && !newFull && dmin - RC <= rh && dminStart + RC > rh;
      if (newFull) { for (p = p0; p < p1; p++) fresh[PCODE[p]] += PPOP[p]; }
      if (!partial && !newPartial) continue;
      // sample the cell: the plain lattice, or the finer one of a cell a zone cuts
      var row = latRow[c], main = MAIN[c], nk = row < 0 ? NL : NF;
      var LX = row < 0 ? LDX : FDX, LY = row < 0 ? LDY : FDY, LWt = row < 0 ? LW : FW, base = row * NF;
      cov.fill(0); tot.fill(0); newc.fill(0);
      for (var k = 0; k < nk; k++) {
        var code = row < 0 ? main : LCODE[base + k], wk = LWt[k];
        if (code === OUTSIDE) continue;
        tot[code] += wk;
        var x = cx + LX[k], y = cy + LY[k], best = Infinity;
        for (var j = 0; j < nn; j++) {
          var ux = xs[near[j]] - x, uy = ys[near[j]] - y, d2 = ux * ux + uy * uy;
          if (d2 < best) best = d2;
        }
        best = Math.sqrt(best);
        for (bi = 0; bi < NBL; bi++) if (best <= RADII[BL[bi]]) cov[code * NB + BL[bi]] += wk;
        if (newPartial && best <= rh) {
          var bs = Infinity;
          for (j = 0; j < ns; j++) {
            var vx = startXs[nearStart[j]] - x, vy = startYs[nearStart[j]] - y, e2s = vx * vx + vy * vy;
            if (e2s < bs) bs = e2s;
          }
          if (Math.sqrt(bs) > rh) newc[code] += wk;
        }
      }
      var np_ = 0; // the bands whose edge crosses the cell: counted from its lattice
      for (bi = 0; bi < NBL; bi++) {
        b = BL[bi];
        if (!(dmin + RC <= RADII[b]) && dmin - RC <= RADII[b]) partialBands[np_++] = b;
      }
      addSampled(c, partialBands, np_, tot, cov, newPartial ? newc : null, sums, fresh);
    }
    return {sums: sums, fresh: fresh, time: time};
  }

  var RES = new Float64Array(NCODES), KNOWN_RES = new Float64Array(NCODES);
  for (i = 0; i < PPOP.length; i++) RES[PCODE[i]] += PPOP[i];
  for (i = 0; i < NCODES; i++) KNOWN_RES[i] = D.codes[i].known ? RES[i] : 0;
  function areaSum(area, arr, stride, b) {
    var t = 0;
    area.codes.forEach(function (cd) { t += stride ? arr[cd * stride + b] : arr[cd]; });
    return t;
  }

  // ---- calls answered: Erlang-B per hour, expected covering (MEXCLP) --------------
  var W = D.workload, AREA = D.areas[0];
  var inArea = new Float64Array(NC);
  (function () {
    var keep = {}; AREA.codes.forEach(function (cd) { keep[cd] = 1; });
    for (var q = 0; q < PPOP.length; q++) if (keep[PCODE[q]]) inArea[PCELL[q]] += PPOP[q];
  })();
  var RATES = (function () {
    var prof = W.profile, mean = 0, out = new Float64Array(168);
    for (var h = 0; h < 168; h++) mean += prof[h] / 168;
    for (h = 0; h < 168; h++) out[h] = W.calls_per_day / 24 * prof[h] / mean;
    return out;
  })();
  function erlangB(nServers, a) {
    var b = 1; for (var k = 1; k <= nServers; k++) b = a * b / (k + a * b); return b;
  }
  var hourCache = {};
  function hoursOf(hours) { // on duty in each hour of the week: at least half of it
    var key = hours || D.workload.hours;
    if (!hourCache[key]) {
      var m = maskOf(key), out = new Uint8Array(168);
      for (var h = 0; h < 168; h++) { var on = 0; for (var q = 0; q < 60; q++) on += m[h * 60 + q]; out[h] = on >= 30 ? 1 : 0; }
      hourCache[key] = out;
    }
    return hourCache[key];
  }
  // seconds from a site to each cell's representative point (NaN: unknown, no road data)
  var timeCache = {};
  function siteTimes(site) {
    var key = NET ? "n" + site.node : site.x + "," + site.y;
    if (!timeCache[key]) {
      var out = new Float64Array(NC);
      if (NET) {
        var t = nodeTimes(site.node);
        for (var c = 0; c < NC; c++) {
          if (!NET.pknown[c]) { out[c] = NaN; continue; }
          var best = Infinity;
          for (var j = NET.pstart[c]; j < NET.pstart[c + 1]; j++) {
            var v = t[NET.pu[j]] + NET.pextra[j];
            if (v < best) best = v;
          }
          out[c] = best;
        }
      } else {
        for (c = 0; c < NC; c++) {
          var dx = site.x - PX[c], dy = site.y - PY[c];
          out[c] = Math.sqrt(dx * dx + dy * dy) * SPM;
        }
      }
      remember(timeCache, key, out);
    }
    return timeCache[key];
  }
  function callsEstimate(sites) {
    var byHour = sites.map(function (s) { return hoursOf(s.hours); });
    var times = sites.map(siteTimes), any = times[0];
    var memo = {}, within = 0, answered = 0, offered = 0, reach = (W.standard_min - W.dispatch_min) * 60;
    var known = 0, all = 0; // the calls from points without road data are left out, as simulate does
    for (var c = 0; c < NC; c++) if (inArea[c] > 0) { all += inArea[c]; if (!any || !isNaN(any[c])) known += inArea[c]; }
    var scale = all > 0 ? known / all : 0;
    for (var h = 0; h < 168; h++) {
      var on = [], rate = RATES[h] * scale;
      for (var s = 0; s < sites.length; s++) if (byHour[s][h]) on.push(s);
      offered += rate;
      if (!on.length || rate <= 0) continue;
      var key = on.join(","), f = memo[key];
      if (!f) { // the mean drive from the nearest site, and the weight reached by k sites
        var wsum = 0, dsum = 0, wfin = 0, byK = new Float64Array(on.length + 1);
        for (c = 0; c < NC; c++) {
          if (!(inArea[c] > 0) || isNaN(times[0][c])) continue;
          var best = Infinity, k = 0;
          for (var j = 0; j < on.length; j++) {
            var t = times[on[j]][c];
            if (t < best) best = t;
            if (t <= reach) k++;
          }
          wsum += inArea[c]; byK[k] += inArea[c];
          if (isFinite(best)) { dsum += inArea[c] * best / 60; wfin += inArea[c]; }
        }
        f = memo[key] = {drive: wfin > 0 ? dsum / wfin : 0, byK: byK, wsum: wsum};
      }
      var N = on.length, a = rate * (W.dispatch_min + W.minutes_per_call + 2 * f.drive) / 60;
      var B = erlangB(N, a), q = Math.min(a * (1 - B) / N, 1), cover = 0;
      for (var kk = 1; kk < f.byK.length; kk++) cover += f.byK[kk] * (1 - Math.pow(q, kk));
      within += rate * cover / f.wsum; answered += rate * (1 - B);
    }
    return {answered_share: answered / offered, within_standard_share: within / offered,
      answered_per_week: answered, offered_per_week: offered, road_data_share: scale};
  }

  // ---- person-hours within the headline band of a unit on duty ------------------
  function personHours(sites, full) {
    var sets = {}, masks = sites.map(function (s) { return maskOf(s.hours); }), S = sites.length;
    var key = null, run = 0;
    for (var m = 0; m < WEEK; m++) {
      var same = key !== null;
      if (same) for (var s = 0; s < S; s++) if (masks[s][m] !== masks[s][m - 1]) { same = false; break; }
      if (!same) {
        if (key !== null) sets[key] = (sets[key] || 0) + run;
        key = ""; run = 0;
        for (s = 0; s < S; s++) if (masks[s][m]) key += s + ",";
      }
      run++;
    }
    sets[key] = (sets[key] || 0) + run;
    var total = 0, all = sites.map(function (_, k) { return k; }).join(",") + (S ? "," : "");
    Object.keys(sets).forEach(function (k) {
      if (!k) return;
      var within;
      if (k === all) within = areaSum(AREA, full.sums, NB, HEAD);
      else {
        var idx = k.split(",").filter(Boolean).map(Number);
        var r = cover(idx.map(function (i) { return sites[i]; }), null, true);
        within = areaSum(AREA, r.sums, NB, HEAD);
      }
      total += within * sets[k] / 60;
    });
    return total;
  }

  // ---- results of a set of sites ----------------------------------------------------
  var START = D.start.map(function (s) { return place(s); });
  function place(s) {
    var xy = project(+s.lon, +s.lat);
    var out = {id: String(s.id), name: String(s.name), lon: +s.lon, lat: +s.lat,
      hours: s.hours ? String(s.hours) : null, x: xy[0], y: xy[1]};
    if (NET) {
      var snapped = snapNode(xy[0], xy[1]);
      if (snapped[1] > NET.maxSnap) {
        throw new Error("site " + out.name + ": the nearest node of the loaded road network is " +
          Math.round(snapped[1]) + " m away (more than " + NET.maxSnap + " m): move it onto a road, " +
          "or build the page on a network that covers it (heartgeo fetch)");
      }
      out.node = snapped[0]; out.snap_m = snapped[1];
    }
    return out;
  }
  // the coverage of a set of sites (and what is new against the start), either model
  function cover(sites, start, headOnly) {
    if (NET) return coverageNet(minTimes(sites), start ? minTimes(start) : null, headOnly);
    var xs = function (list) { return list.map(function (s) { return s.x; }); };
    var ys = function (list) { return list.map(function (s) { return s.y; }); };
    return coverage(xs(sites), ys(sites), start ? xs(start) : null, start ? ys(start) : null, headOnly);
  }
  function evaluate(sites) {
    var r = cover(sites, START, false);
    var areas = {};
    D.areas.forEach(function (a) {
      var within = {}, res = areaSum(a, RES), known = areaSum(a, KNOWN_RES);
      BANDS.forEach(function (m, b) { within[String(m)] = areaSum(a, r.sums, NB, b); });
      areas[a.name] = {residents: res, within: within, gap: known - within[String(BANDS[NB - 1])],
        unknown: res - known, newly_covered: areaSum(a, r.fresh), kind: a.kind};
    });
    var ph = personHours(sites, r);
    return {model: D.model.name, screening: D.model.screening, headline_min: BANDS[HEAD], areas: areas,
      person_hours_within: ph, person_hours_share: ph / (168 * areas[AREA.name].residents),
      calls: callsEstimate(sites), time: r.time, sites: sites.length};
  }

  // ---- state, history, A and B ----------------------------------------------------
  var state = START.slice(), history = [], future = [], saved = {A: null, B: null}, current = null, lastMs = 0, computeMs = 0;
  var counter = 0;
  function snapshot() { return JSON.stringify(state); }
  function commit(next) {
    history.push(snapshot()); future = [];
    state = next; refresh();
  }
  function restore(text) { state = JSON.parse(text); refresh(); }
  function undo() { if (history.length) { future.push(snapshot()); restore(history.pop()); } }
  function redo() { if (future.length) { history.push(snapshot()); restore(future.pop()); } }
  function newId(base) { counter += 1; return (base || "site") + "_" + counter; }
  function validHours(h) { try { if (h) parseHours(h); return null; } catch (err) { return err.message; } }

  // ---- CSV ---------------------------------------------------------------------------
  function csvCell(v) {
    v = v === null || v === undefined ? "" : String(v);
    return /[",\n\r]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function exportCsv() {
    var rows = ["id,name,lon,lat,hours"];
    state.forEach(function (s) {
      rows.push([s.id, s.name, s.lon.toFixed(6), s.lat.toFixed(6), s.hours || D.workload.hours].map(csvCell).join(","));
    });
    return rows.join("\n") + "\n";
  }
  function parseCsv(text) {
    var rows = [], row = [], cell = "", quoted = false;
    for (var k = 0; k < text.length; k++) {
      var ch = text[k];
      if (quoted) {
        if (ch === '"' && text[k + 1] === '"') { cell += '"'; k++; }
        else if (ch === '"') quoted = false; else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") { row.push(cell); cell = ""; }
      else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[k + 1] === "\n") k++;
        row.push(cell); cell = ""; if (row.some(function (v) { return v.trim(); })) rows.push(row); row = [];
      } else cell += ch;
    }
    row.push(cell); if (row.some(function (v) { return v.trim(); })) rows.push(row);
    return rows;
  }
  function importCsv(text) {
    var rows = parseCsv(text), head = rows.shift().map(function (h) { return h.trim().toLowerCase(); });
    var col = function (n) { return head.indexOf(n); };
    if (col("lon") < 0 || col("lat") < 0) throw new Error("the CSV needs lon and lat columns");
    var sites = rows.map(function (r, k) {
      var lon = parseFloat(r[col("lon")]), lat = parseFloat(r[col("lat")]);
      if (!isFinite(lon) || !isFinite(lat)) throw new Error("row " + (k + 2) + ": lon/lat are not numbers");
      var hours = col("hours") >= 0 && r[col("hours")] ? r[col("hours")].trim() : null;
      var bad = validHours(hours);
      if (bad) throw new Error("row " + (k + 2) + ": hours " + JSON.stringify(hours) + ": " + bad);
      return {id: col("id") >= 0 && r[col("id")] ? r[col("id")] : "site_" + (k + 1),
        name: col("name") >= 0 && r[col("name")] ? r[col("name")] : "Site " + (k + 1), lon: lon, lat: lat, hours: hours};
    });
    setSites(sites);
  }
  function setSites(sites) {
    var next = sites.map(function (s, k) {
      var bad = validHours(s.hours);
      if (bad) throw new Error("site " + (s.name || k) + ": hours " + JSON.stringify(s.hours) + ": " + bad);
      return place({id: s.id !== undefined ? s.id : newId(), name: s.name !== undefined ? s.name : "Site " + (k + 1),
        lon: s.lon, lat: s.lat, hours: s.hours || null});
    });
    commit(next);
  }

  // ---- the page ----------------------------------------------------------------------
  var PEOPLE = new Float64Array(NC), KNOWN_AREA = new Float64Array(NC), AREA_ALL = new Float64Array(NC);
  for (i = 0; i < PPOP.length; i++) PEOPLE[PCELL[i]] += PPOP[i];
  for (i = 0; i < LCELLS.length; i++) { // the share of a cut cell's lattice with road data
    for (var kk = 0; kk < NF; kk++) {
      var cd = LCODE[i * NF + kk];
      if (cd === OUTSIDE) continue;
      AREA_ALL[LCELLS[i]] += FW[kk]; if (CODE_KNOWN[cd]) KNOWN_AREA[LCELLS[i]] += FW[kk];
    }
  }
  var CELL_KNOWN = new Float64Array(NC);
  for (i = 0; i < NC; i++) CELL_KNOWN[i] = latRow[i] < 0 ? CODE_KNOWN[MAIN[i]] : KNOWN_AREA[i] / (AREA_ALL[i] || 1);
  D.cell_lon = LON; D.cell_lat = LAT; D.cell_people = PEOPLE; D.cell_known = CELL_KNOWN; D.headline = HEAD;
  var ui = window.heartgeoPlannerUI ? window.heartgeoPlannerUI(D) : null;
  function refresh() {
    var t0 = performance.now();
    current = evaluate(state);
    computeMs = performance.now() - t0;
    if (ui) ui.render(state, current, saved, computeMs);
    lastMs = performance.now() - t0;
    document.body.setAttribute("data-heartgeo-update-ms", lastMs.toFixed(1));
  }
  function publicResults(r) {
    r = r || current;
    var areas = {};
    Object.keys(r.areas).forEach(function (k) {
      var a = r.areas[k];
      areas[k] = {residents: a.residents, within: Object.assign({}, a.within), gap: a.gap,
        unknown: a.unknown, newly_covered: a.newly_covered};
    });
    return {model: r.model, screening: r.screening, areas: areas, person_hours_within: r.person_hours_within,
      person_hours_share: r.person_hours_share, calls: r.calls};
  }
  window.heartgeoPlanner = {
    setSites: setSites,
    sites: function () { return state.map(function (s) { return {id: s.id, name: s.name, lon: s.lon, lat: s.lat, hours: s.hours}; }); },
    results: function () { return publicResults(); },
    exportCsv: exportCsv,
    importCsv: importCsv,
    undo: undo,
    redo: redo,
    save: function (slot) { saved[slot] = {sites: snapshot(), results: publicResults()}; refresh(); },
    lastUpdateMs: function () { return lastMs; },
    lastComputeMs: function () { return computeMs; },
    parseHours: function (t) { return Array.prototype.slice.call(parseHours(t)); },
    project: project,
    // for the page's own controls
    _state: function () { return state; },
    _commit: commit,
    _place: function (s) { return place(s); },
    _newId: newId,
    _validHours: validHours,
    _saved: saved,
    _map: ui ? ui.map : null,
    _nodeTimes: function (node) { return Array.prototype.slice.call(nodeTimes(node)); }
  };
  refresh();
  document.body.setAttribute("data-heartgeo-planner-ready", "1");
})();
