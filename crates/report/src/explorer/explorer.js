// clusterlab explorer: draws the data embedded in #clusterlab-data.
// Test hook (the page's public contract), `window.clusterlab`:
//   datasets                        dataset names
//   select(dataset)                 shows that dataset
//   pointScreenPosition(ds, i)      {x, y}: page coordinates of point i's marker (null if not drawn)
//   setIteration(ds, i)             EM iteration i (0 = the start, last = the fitted model)
//   showDisagreements(ds, on)       only the points where EM and k-means disagree
//   state()                         {dataset, colourBy, iteration, highlighted, shownPoints}
// Indices are 0-based rows of the CSV (as `fit --proba` prints them).
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("clusterlab-data").textContent);
  var PAL = DATA.palette, NOISE = DATA.noise;
  var SHAPES = ["circle", "square", "triangle", "diamond", "down", "plus", "star"];
  var W = 760, H = 560, M = { l: 80, r: 14, t: 12, b: 48 };
  var $ = function (id) { return document.getElementById(id); };
  var cv = $("ex-scatter"), tip = $("ex-tip"), selDs = $("ex-dataset"), selCol = $("ex-colour");
  var chkDiffer = $("ex-differ"), slider = $("ex-iter"), iterOut = $("ex-iter-out"), play = $("ex-play");
  var st = { ds: 0, colourBy: "em-soft", iter: 0, highlighted: null, hover: null, differ: false, timer: null };
  var cache = {};

  function hexRgb(h) { return [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]; }
  var PALRGB = PAL.map(hexRgb);
  function groupColour(g) { return g < 0 ? NOISE : PAL[g % PAL.length]; }
  function groupShape(g) { return g < 0 ? "cross" : SHAPES[g % SHAPES.length]; }
  // EM's component of a point as words: noise (label -1, with --gmm-noise) or "component j".
  function emName(l) { return l < 0 ? "noise" : "component " + l; }
  function two(h) { var s = String(Math.abs(h) % 100); return (h < 0 ? "-" : "") + Math.floor(Math.abs(h) / 100) + "." + (s.length < 2 ? "0" + s : s); }
  function num(v) { if (v === null || v === undefined) return "undefined"; var s = Number(v).toPrecision(6); return String(parseFloat(s)); }

  function ds() { return DATA.datasets[st.ds]; }
  function dsIndex(name) {
    for (var i = 0; i < DATA.datasets.length; i++) if (DATA.datasets[i].name === name || DATA.datasets[i].slug === name) return i;
    throw new Error("no dataset " + name);
  }
  function m() { return ds().p.length / 2; }
  function rowOf(s) { var d = ds(); return d.index ? d.index[s] : s; }
  function posOf(i) {
    var d = ds();
    if (!d.index) return i < m() ? i : -1;
    var lo = 0, hi = d.index.length - 1;
    while (lo <= hi) { var mid = (lo + hi) >> 1; if (d.index[mid] === i) return mid; if (d.index[mid] < i) lo = mid + 1; else hi = mid - 1; }
    return -1;
  }
  function lastIter() { var d = ds(); return d.path ? d.path.models.length - 1 : 0; }

  // ---- EM's E-step at an iteration (for the colours before the end) ----
  function cholesky(a, n) {
    var L = new Float64Array(n * n);
    for (var i = 0; i < n; i++) for (var j = 0; j <= i; j++) {
      var s = a[i * n + j];
      for (var k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) { if (!(s > 0)) return null; L[i * n + i] = Math.sqrt(s); } else L[i * n + j] = s / L[j * n + j];
    }
    return L;
  }
  // The responsibilities of EM's components at iteration t (n × k), and of
  // the noise component (n, or null without one) in cache[key + ":nz"].
  function respAt(t) {
    var d = ds(), key = st.ds + ":" + t;
    if (cache[key]) return cache[key];
    var k = d.em.k, n = m(), dim = d.d, out = new Float64Array(n * k), nz = null;
    if (t >= lastIter()) {
      for (var q = 0; q < n * k; q++) out[q] = d.em.r[q] / 100;
      if (d.em.noise) { nz = new Float64Array(n); for (q = 0; q < n; q++) nz[q] = d.em.noise[q] / 100; }
      cache[key + ":nz"] = nz;
      return (cache[key] = out);
    }
    // With the noise component: the Gaussians share 1 − π₀; the noise's density is 1/V.
    var noise = d.path.noise ? d.path.noise[t] : null, keep = noise ? 1 - noise[0] : 1;
    var lpn = noise ? Math.log(noise[0]) - noise[1] : -Infinity;
    if (noise) nz = new Float64Array(n);
    var comps = d.path.models[t].map(function (c) { return { w: c.w * keep, mu: c.mu, L: cholesky(c.cov, dim) }; });
    var z = new Float64Array(dim), y = new Float64Array(dim), lp = new Float64Array(k);
    for (var s = 0; s < n; s++) {
      for (var c = 0; c < dim; c++) z[c] = (d.x[s][c] - d.zm[c]) / d.zs[c];
      var best = -Infinity;
      for (var j = 0; j < k; j++) {
        var C = comps[j];
        if (!C.L || !(C.w > 0)) { lp[j] = -Infinity; continue; }
        var maha = 0, logdet = 0;
        for (var a = 0; a < dim; a++) {
          var v = z[a] - C.mu[a];
          for (var b = 0; b < a; b++) v -= C.L[a * dim + b] * y[b];
          y[a] = v / C.L[a * dim + a];
          maha += y[a] * y[a];
          logdet += Math.log(C.L[a * dim + a]);
        }
        lp[j] = Math.log(C.w) - 0.5 * (dim * Math.log(2 * Math.PI) + maha) - logdet;
        if (lp[j] > best) best = lp[j];
      }
      if (lpn > best) best = lpn;
      var sum = Math.exp(lpn - best);
      for (j = 0; j < k; j++) sum += Math.exp(lp[j] - best);
      for (j = 0; j < k; j++) out[s * k + j] = Math.exp(lp[j] - best) / sum;
      if (nz) nz[s] = Math.exp(lpn - best) / sum;
    }
    cache[key + ":nz"] = nz;
    return (cache[key] = out);
  }
  function noiseAt(t) { respAt(t); return cache[st.ds + ":" + t + ":nz"]; }

  // ---- colours and shapes of the markers ----
  function algo(key) { var a = ds().algos; for (var i = 0; i < a.length; i++) if (a[i].key === key) return a[i]; return null; }
  function markers() {
    var d = ds(), n = m(), col = new Array(n), shp = new Array(n), grp = new Array(n);
    if (st.colourBy.indexOf("em-") === 0 && d.em) {
      var r = respAt(st.iter), k = d.em.k, nz = noiseAt(st.iter), NRGB = hexRgb(NOISE), end = st.iter >= lastIter();
      for (var s = 0; s < n; s++) {
        var bj = 0, rgb = [0, 0, 0];
        for (var j = 0; j < k; j++) {
          if (r[s * k + j] > r[s * k + bj]) bj = j;
          var pc = PALRGB[d.em.groups[j] % PALRGB.length];
          rgb[0] += r[s * k + j] * pc[0]; rgb[1] += r[s * k + j] * pc[1]; rgb[2] += r[s * k + j] * pc[2];
        }
        // The noise component's share (its column), grey as DBSCAN's noise.
        var v0 = nz ? nz[s] : 0;
        rgb[0] += v0 * NRGB[0]; rgb[1] += v0 * NRGB[1]; rgb[2] += v0 * NRGB[2];
        // EM's label: the fit's at the end, else the largest share (the noise's too).
        var noisy = end ? nz && d.em.label[s] < 0 : nz && v0 > r[s * k + bj];
        var g = noisy ? -1 : d.em.groups[bj];
        grp[s] = g; shp[s] = groupShape(g);
        col[s] = st.colourBy === "em-soft" ? "rgb(" + Math.round(rgb[0]) + "," + Math.round(rgb[1]) + "," + Math.round(rgb[2]) + ")" : groupColour(g);
      }
    } else {
      var a = algo(st.colourBy) || d.algos[0];
      for (s = 0; s < n; s++) if (!a) { grp[s] = -1; col[s] = NOISE; shp[s] = "circle"; } else { grp[s] = a.groups[s]; col[s] = groupColour(a.groups[s]); shp[s] = groupShape(a.groups[s]); }
    }
    return { col: col, shp: shp, grp: grp };
  }
  function differs(s) { var e = ds().em; return !!e && e.label[s] !== e.km[s]; }
  function visible(s) { return !st.differ || differs(s); }
  function shownPoints() { var n = m(), c = 0; for (var s = 0; s < n; s++) if (visible(s)) c++; return c; }

  // ---- geometry ----
  function sx(v) { var r = ds().range; return M.l + (v - r[0]) / (r[1] - r[0]) * (W - M.l - M.r); }
  function sy(v) { var r = ds().range; return H - M.b - (v - r[2]) / (r[3] - r[2]) * (H - M.t - M.b); }
  function px(s) { var p = ds().p; return [sx(p[2 * s]), sy(p[2 * s + 1])]; }

  function setupCanvas(c, w, h) {
    var dpr = window.devicePixelRatio || 1;
    c.width = Math.round(w * dpr); c.height = Math.round(h * dpr);
    var g = c.getContext("2d"); g.setTransform(dpr, 0, 0, dpr, 0, 0); return g;
  }
  function shape(g, name, x, y, r) {
    g.beginPath();
    switch (name) {
      case "square": g.rect(x - r * 0.85, y - r * 0.85, 1.7 * r, 1.7 * r); break;
      case "triangle": g.moveTo(x, y - r * 1.15); g.lineTo(x + r, y + r * 0.75); g.lineTo(x - r, y + r * 0.75); g.closePath(); break;
      case "down": g.moveTo(x, y + r * 1.15); g.lineTo(x + r, y - r * 0.75); g.lineTo(x - r, y - r * 0.75); g.closePath(); break;
      case "diamond": g.moveTo(x, y - r * 1.2); g.lineTo(x + r, y); g.lineTo(x, y + r * 1.2); g.lineTo(x - r, y); g.closePath(); break;
      case "plus": g.rect(x - r, y - r * 0.35, 2 * r, r * 0.7); g.rect(x - r * 0.35, y - r, r * 0.7, 2 * r); break;
      case "star": for (var i = 0; i < 10; i++) { var a = -Math.PI / 2 + i * Math.PI / 5, q = i % 2 ? r * 0.5 : r * 1.2; g.lineTo(x + q * Math.cos(a), y + q * Math.sin(a)); } g.closePath(); break;
      case "cross": g.moveTo(x - r, y - r); g.lineTo(x + r, y + r); g.moveTo(x + r, y - r); g.lineTo(x - r, y + r); return "stroke";
      default: g.arc(x, y, r, 0, 2 * Math.PI);
    }
    return "fill";
  }
  function ellipse(g, c, c2, k, dim) {
    var a = c2[0], b = c2[1], d = c2[2];
    var tr = a + d, disc = Math.sqrt(Math.max(0, (a - d) * (a - d) / 4 + b * b));
    var l1 = Math.max(0, tr / 2 + disc), l2 = Math.max(0, tr / 2 - disc);
    var ang = Math.abs(b) < 1e-300 ? (a >= d ? 0 : Math.PI / 2) : Math.atan2(l1 - a, b);
    var r = ds().range, kx = (W - M.l - M.r) / (r[1] - r[0]), ky = (H - M.t - M.b) / (r[3] - r[2]);
    g.beginPath();
    for (var i = 0; i <= 72; i++) {
      var t = i / 72 * 2 * Math.PI, u = k * Math.sqrt(l1) * Math.cos(t), v = dim === 1 ? 0.45 * k * Math.sin(t) : k * Math.sqrt(l2) * Math.sin(t);
      var X = c[0] + u * Math.cos(ang) - v * Math.sin(ang), Y = (dim === 1 ? 0 : c[1]) + u * Math.sin(ang) + v * Math.cos(ang);
      var qx = M.l + (X - r[0]) * kx, qy = H - M.b - (Y - r[2]) * ky;
      if (i) g.lineTo(qx, qy); else g.moveTo(qx, qy);
    }
  }
  function shade(hex, t) { var c = hexRgb(hex); return "rgb(" + c.map(function (v) { return Math.round(v * (1 - t)); }).join(",") + ")"; }

  // ---- the scatter ----
  function drawScatter() {
    var d = ds(), g = setupCanvas(cv, W, H), n = m(), mk = markers();
    g.fillStyle = "#fff"; g.fillRect(0, 0, W, H);
    if (d.density) {
      var gx = d.density.grid[0], gy = d.density.grid[1], cnt = d.density.counts, mx = 0;
      for (var q = 0; q < cnt.length; q++) mx = Math.max(mx, cnt[q]);
      var cw = (W - M.l - M.r) / gx, ch = (H - M.t - M.b) / gy;
      for (var j = 0; j < gy; j++) for (var i = 0; i < gx; i++) {
        var v = cnt[j * gx + i]; if (!v) continue;
        g.fillStyle = "rgba(0,0,0," + (0.05 + 0.35 * Math.sqrt(v / mx)).toFixed(3) + ")";
        g.fillRect(M.l + i * cw, H - M.b - (j + 1) * ch, cw + 0.5, ch + 0.5);
      }
    }
    // axes
    g.strokeStyle = "#1e1e1e"; g.lineWidth = 1; g.strokeRect(M.l, M.t, W - M.l - M.r, H - M.t - M.b);
    g.fillStyle = "#1e1e1e"; g.font = "14px 'DejaVu Sans', Arial, sans-serif"; g.textAlign = "center";
    g.fillText(d.axes[0] || "", (M.l + W - M.r) / 2, H - 12);
    var r = d.range; g.font = "12px 'DejaVu Sans', Arial, sans-serif";
    for (var tx = 0; tx <= 4; tx++) { var vx = r[0] + (r[1] - r[0]) * tx / 4; g.fillText(num(vx.toPrecision(3)), sx(vx), H - M.b + 16); }
    if (d.dim > 1) {
      g.save(); g.translate(16, (M.t + H - M.b) / 2); g.rotate(-Math.PI / 2); g.font = "14px 'DejaVu Sans', Arial, sans-serif"; g.fillText(d.axes[1] || "", 0, 0); g.restore();
      g.textAlign = "right";
      for (var ty = 0; ty <= 4; ty++) { var vy = r[2] + (r[3] - r[2]) * ty / 4; g.fillText(num(vy.toPrecision(3)), M.l - 5, sy(vy) + 4); }
    } else {
      g.save(); g.translate(16, (M.t + H - M.b) / 2); g.rotate(-Math.PI / 2); g.font = "13px 'DejaVu Sans', Arial, sans-serif"; g.fillText("(spread vertically for legibility)", 0, 0); g.restore();
    }
    g.save(); g.beginPath(); g.rect(M.l, M.t, W - M.l - M.r, H - M.t - M.b); g.clip();
    // points: noise first, then the rest; faint when filtered out
    for (var pass = 0; pass < 2; pass++) for (var s = 0; s < n; s++) {
      if ((mk.grp[s] < 0) !== (pass === 0) || !visible(s)) continue;
      var p = px(s), how = shape(g, mk.shp[s], p[0], p[1], 4.2);
      if (how === "stroke") { g.strokeStyle = mk.col[s]; g.lineWidth = 1.6; g.stroke(); }
      else { g.fillStyle = mk.col[s]; g.fill(); g.strokeStyle = "rgba(30,30,30,0.55)"; g.lineWidth = 0.6; g.stroke(); }
    }
    // EM's ellipses at this iteration (1σ solid, 2σ dashed) and k-means' centroids
    if (d.path && d.em) {
      var comps = d.path.models[Math.min(st.iter, lastIter())];
      for (j = 0; j < comps.length; j++) {
        var col = shade(groupColour(d.em.groups[j]), 0.25);
        ellipse(g, comps[j].c, comps[j].c2, 1, d.dim); g.strokeStyle = "#fff"; g.lineWidth = 5; g.setLineDash([]); g.stroke();
        g.strokeStyle = col; g.lineWidth = 2.5; g.stroke();
        ellipse(g, comps[j].c, comps[j].c2, 2, d.dim); g.setLineDash([10, 6]); g.lineWidth = 1.6; g.stroke(); g.setLineDash([]);
        var cc = [sx(comps[j].c[0]), sy(d.dim === 1 ? 0 : comps[j].c[1])];
        g.beginPath(); g.arc(cc[0], cc[1], 5, 0, 2 * Math.PI); g.fillStyle = col; g.fill(); g.strokeStyle = "#fff"; g.lineWidth = 2; g.stroke();
      }
    }
    if (d.em) for (j = 0; j < d.em.centroids.length; j++) {
      var cen = d.em.centroids[j], qx = sx(cen[0]), qy = sy(cen[1]);
      g.strokeStyle = "#fff"; g.lineWidth = 6; g.beginPath(); g.moveTo(qx - 8, qy - 8); g.lineTo(qx + 8, qy + 8); g.moveTo(qx + 8, qy - 8); g.lineTo(qx - 8, qy + 8); g.stroke();
      g.strokeStyle = "#000"; g.lineWidth = 3; g.stroke();
    }
    // the chosen point
    [st.highlighted, st.hover].forEach(function (i, w) {
      if (i === null) return; var s2 = posOf(i); if (s2 < 0) return; var q2 = px(s2);
      g.beginPath(); g.arc(q2[0], q2[1], w ? 9 : 11, 0, 2 * Math.PI); g.strokeStyle = "#fff"; g.lineWidth = 5; g.stroke();
      g.strokeStyle = w ? "#0072B2" : "#000"; g.lineWidth = 2.5; g.stroke();
    });
    g.restore();
    drawLegend(mk);
  }
  function legendShape(sh, col) {
    var svg = { circle: '<circle cx="7" cy="7" r="5"/>', square: '<rect x="2.5" y="2.5" width="9" height="9"/>', triangle: '<polygon points="7,1.5 12.5,11.5 1.5,11.5"/>', down: '<polygon points="7,12.5 12.5,2.5 1.5,2.5"/>', diamond: '<polygon points="7,1 12.5,7 7,13 1.5,7"/>', plus: '<path d="M2 5.5h10v3H2zM5.5 2h3v10h-3z"/>', star: '<polygon points="7,1 8.6,5.3 13,5.3 9.5,8.2 10.8,12.6 7,10 3.2,12.6 4.5,8.2 1,5.3 5.4,5.3"/>', cross: '<path d="M2 2L12 12M12 2L2 12" stroke-width="2.2" fill="none"/>' }[sh];
    return '<svg width="14" height="14" aria-hidden="true" fill="' + col + '" stroke="' + col + '">' + svg + "</svg>";
  }
  function drawLegend(mk) {
    var d = ds(), seen = {}, parts = [];
    for (var s = 0; s < mk.grp.length; s++) seen[mk.grp[s]] = true;
    var isEm = st.colourBy.indexOf("em-") === 0 && d.em, a = isEm ? null : algo(st.colourBy) || d.algos[0];
    Object.keys(seen).map(Number).sort(function (x, y) { return x - y; }).forEach(function (g) {
      var name = g < 0 ? "noise" : isEm ? "EM component " + d.em.groups.indexOf(g) : a ? a.title + " cluster " + a.labels[a.groups.indexOf(g)] : "";
      parts.push("<span>" + legendShape(groupShape(g), groupColour(g)) + name + "</span>");
    });
    if (d.em) parts.push('<span><svg width="14" height="14" aria-hidden="true"><path d="M2 2L12 12M12 2L2 12" stroke="#000" stroke-width="2.5"/></svg>k-means centroid</span>');
    if (d.path) parts.push("<span>ellipses: EM's components at 1σ (solid) and 2σ (dashed)</span>");
    $("ex-legend").innerHTML = parts.join("");
  }

  // ---- the side panels ----
  function drawLL() {
    var d = ds(), c = $("ex-ll"), w = 420, h = 150, g = setupCanvas(c, w, h);
    g.fillStyle = "#fff"; g.fillRect(0, 0, w, h);
    g.fillStyle = "#1e1e1e"; g.font = "12px 'DejaVu Sans', Arial, sans-serif";
    if (!d.path) { g.fillText("EM's path is not available" + (d.pathError ? ": " + d.pathError : ""), 8, 20); return; }
    var ll = d.path.ll, lo = Math.min.apply(null, ll), hi = Math.max.apply(null, ll), L = 52, R = 10, T = 10, B = 26;
    if (!(hi > lo)) { var pad = Math.max(1e-9, Math.abs(lo) * 0.01); lo -= pad; hi += pad; }
    var X = function (i) { return L + (ll.length > 1 ? i / (ll.length - 1) : 0) * (w - L - R); }, Y = function (v) { return h - B - (v - lo) / (hi - lo) * (h - T - B); };
    g.strokeStyle = "#999"; g.strokeRect(L, T, w - L - R, h - T - B);
    g.textAlign = "right"; g.fillText(num(hi.toPrecision(4)), L - 4, T + 10); g.fillText(num(lo.toPrecision(4)), L - 4, h - B);
    g.textAlign = "center"; g.fillText("iteration (0 … " + (ll.length - 1) + ")", (L + w - R) / 2, h - 6);
    g.beginPath(); ll.forEach(function (v, i) { if (i) g.lineTo(X(i), Y(v)); else g.moveTo(X(i), Y(v)); });
    g.strokeStyle = "#0072B2"; g.lineWidth = 2; g.stroke();
    var it = Math.min(st.iter, ll.length - 1);
    g.beginPath(); g.arc(X(it), Y(ll[it]), 5, 0, 2 * Math.PI); g.fillStyle = "#D55E00"; g.fill();
    g.textAlign = "left"; g.fillStyle = "#1e1e1e"; g.fillText("log-lik/pt " + num(ll[it].toPrecision(6)), L + 6, T + 12);
  }
  function focusPoint() { return st.hover !== null ? st.hover : st.highlighted; }
  function drawBars() {
    var d = ds(), box = $("ex-bars"), i = focusPoint();
    if (!d.em) { box.textContent = "EM did not fit this dataset."; return; }
    if (i === null || posOf(i) < 0) { box.textContent = "Hover a point or choose one in the list."; return; }
    var s = posOf(i), k = d.em.k, rt = respAt(st.iter), html = "<div>point " + i + (st.iter < lastIter() ? ", iteration " + st.iter : "") + "</div>";
    for (var j = 0; j < k; j++) {
      var v = st.iter >= lastIter() ? d.em.r[s * k + j] / 100 : rt[s * k + j];
      html += '<div class="ex-bar"><span>' + legendShape(groupShape(d.em.groups[j]), groupColour(d.em.groups[j])) + "component " + j + '</span><span class="b"><i style="width:' + (100 * v).toFixed(1) + "%;background:" + groupColour(d.em.groups[j]) + '"></i></span><span>' + v.toFixed(2) + "</span></div>";
    }
    var nz = noiseAt(st.iter);
    if (nz) {
      var v0 = nz[s];
      html += '<div class="ex-bar"><span>' + legendShape(groupShape(-1), NOISE) + 'noise</span><span class="b"><i style="width:' + (100 * v0).toFixed(1) + "%;background:" + NOISE + '"></i></span><span>' + v0.toFixed(2) + "</span></div>";
    }
    box.innerHTML = html;
  }
  function drawReach() {
    var d = ds(), c = $("ex-reach"), w = 420, h = 130, g = setupCanvas(c, w, h);
    g.fillStyle = "#fff"; g.fillRect(0, 0, w, h); g.fillStyle = "#1e1e1e"; g.font = "12px 'DejaVu Sans', Arial, sans-serif";
    if (!d.optics) { g.fillText("OPTICS was not run on this dataset.", 8, 20); return; }
    var o = d.optics, a = algo("optics"), mx = 0, L = 8, B = 16, T = 6;
    o.order.forEach(function (s) { if (o.reach[s] !== null) mx = Math.max(mx, o.reach[s]); });
    if (!(mx > 0)) mx = 1;
    var bw = (w - 2 * L) / Math.max(1, o.order.length), hi = focusPoint(), mark = -1;
    o.order.forEach(function (s, q) {
      var v = o.reach[s], top = v === null ? h - B - (h - B - T) : h - B - v / mx * (h - B - T) * 0.92;
      g.fillStyle = v === null ? "#dcdcdc" : groupColour(a ? a.groups[s] : 0);
      g.fillRect(L + q * bw, top, Math.max(bw, 0.6), h - B - top);
      if (hi !== null && rowOf(s) === hi) mark = q;
    });
    g.fillStyle = "#1e1e1e"; g.fillText("points in OPTICS order (grey: undefined)", L, h - 3);
    if (mark >= 0) {
      var xm = L + (mark + 0.5) * bw;
      g.strokeStyle = "#000"; g.lineWidth = 2; g.beginPath(); g.moveTo(xm, T); g.lineTo(xm, h - B); g.stroke();
      g.beginPath(); g.moveTo(xm - 6, T); g.lineTo(xm + 6, T); g.lineTo(xm, T + 8); g.closePath(); g.fillStyle = "#000"; g.fill();
    }
  }
  function fillList() {
    var d = ds(), ol = $("ex-list"), html = "";
    if (!d.em) { ol.innerHTML = ""; return; }
    var shown = d.em.ranked.slice(0, 300);
    shown.forEach(function (e) {
      var s = e[0], i = rowOf(s);
      html += '<li><button type="button" data-i="' + i + '" aria-pressed="' + (st.highlighted === i) + '">point ' + i + " · uncertainty " + Number(e[1]).toFixed(2) + " · k-means " + d.em.km[s] + " → EM " + (d.em.label[s] < 0 ? "noise" : d.em.label[s]) + "</button></li>";
    });
    if (!d.em.ranked.length) html = "<li>EM and k-means agree on every point.</li>";
    else if (d.em.ranked.length > shown.length) html += "<li>… and " + (d.em.ranked.length - shown.length) + " more</li>";
    ol.innerHTML = html;
  }

  // ---- the tooltip ----
  function tipText(i) {
    var d = ds(), s = posOf(i), lines = ["point " + i];
    lines.push(d.features.map(function (f, c) { return f + " = " + num(d.x[s][c]); }).join(", "));
    if (d.em) {
      var k = d.em.k, rs = [];
      for (var j = 0; j < k; j++) rs.push(two(d.em.r[s * k + j]));
      if (d.em.noise) rs.push(two(d.em.noise[s])); // the noise's column last, as fit gmm --proba
      lines.push("EM: " + emName(d.em.label[s]) + "; responsibilities " + rs.join(", "));
      if (st.iter < lastIter()) {
        var rt = respAt(st.iter), nzt = noiseAt(st.iter), ri = [];
        for (j = 0; j < k; j++) ri.push(rt[s * k + j].toFixed(2));
        if (nzt) ri.push(nzt[s].toFixed(2)); // the noise's column last, as above
        lines.push("at iteration " + st.iter + ": " + ri.join(", "));
      }
    }
    d.algos.forEach(function (a) {
      if (a.key === "gmm") return;
      var l = a.labels[s], t = a.title + ": " + (l < 0 ? "noise" : "cluster " + l);
      if (a.key === "hdbscan" && d.hdbscan) t += "; probability " + Number(d.hdbscan.prob[s]).toFixed(2) + ", outlier score " + Number(d.hdbscan.outlier[s]).toFixed(2);
      if (a.key === "optics" && d.optics) t += "; reachability " + (d.optics.reach[s] === null ? "undefined" : num(d.optics.reach[s]));
      lines.push(t);
    });
    if (d.em) lines.push(differs(s) ? "EM and k-means disagree: k-means puts it in the cluster matched to EM component " + d.em.km[s] + ", EM in " + emName(d.em.label[s]) : "EM and k-means agree");
    return lines.join("\n");
  }
  function showTip(i) {
    var s = posOf(i);
    if (i === null || s < 0) { tip.hidden = true; return; }
    tip.textContent = tipText(i);
    tip.hidden = false;
    var p = px(s), left = cv.offsetLeft + p[0] + 14, top = cv.offsetTop + p[1] + 14;
    if (p[0] > W * 0.55) left = cv.offsetLeft + p[0] - tip.offsetWidth - 14;
    if (p[1] > H * 0.6) top = cv.offsetTop + p[1] - tip.offsetHeight - 14;
    tip.style.left = left + "px"; tip.style.top = top + "px";
  }

  // ---- wiring ----
  function redraw() {
    drawScatter(); drawLL(); drawBars(); drawReach();
    slider.value = String(st.iter);
    iterOut.textContent = st.iter + " of " + lastIter() + (st.iter === 0 ? " (the start)" : st.iter === lastIter() ? " (fitted)" : "");
    if (st.hover !== null) showTip(st.hover);
  }
  function selectIndex(k) {
    if (st.timer) togglePlay();
    st.ds = k; st.hover = null; st.highlighted = null; tip.hidden = true;
    selDs.value = String(k);
    var d = ds(), opts = [];
    if (d.em) { opts.push(["em-soft", "EM: blended responsibilities"]); opts.push(["em-hard", "EM: most likely component"]); }
    d.algos.forEach(function (a) { if (a.key !== "gmm") opts.push([a.key, a.title]); });
    selCol.innerHTML = opts.map(function (o) { return '<option value="' + o[0] + '">' + o[1] + "</option>"; }).join("");
    if (!opts.length) opts.push(["none", "(every algorithm failed)"]);
    if (!opts.some(function (o) { return o[0] === st.colourBy; })) st.colourBy = opts[0][0];
    selCol.value = st.colourBy;
    slider.max = String(lastIter()); st.iter = lastIter();
    slider.disabled = play.disabled = !d.path;
    chkDiffer.disabled = !d.em; if (!d.em) st.differ = false; chkDiffer.checked = st.differ;
    var help = (d.pca ? "The first two principal components of the " + d.d + " z-scored features, as in the PNGs. " : d.dim === 1 ? "One feature; points are spread vertically only for legibility. " : "") +
      (d.sample ? d.sample + " " : "All " + d.n + " points. ") + (d.em ? "EM: " + d.em.k + " components (" + d.em.covariance + " covariance), " + d.em.differ + " points where k-means disagrees. " : "") +
      "Keyboard: focus the plot, then ← / → move between points, Esc leaves.";
    $("ex-help").textContent = help;
    cv.setAttribute("aria-label", "Scatter plot of " + d.name + ": " + (d.axes[0] || "") + (d.dim > 1 ? " against " + d.axes[1] : ""));
    fillList(); redraw();
  }
  function nearest(mx, my) {
    var n = m(), best = -1, bd = 100;
    for (var s = 0; s < n; s++) { if (!visible(s)) continue; var p = px(s), dd = (p[0] - mx) * (p[0] - mx) + (p[1] - my) * (p[1] - my); if (dd < bd) { bd = dd; best = s; } }
    return best < 0 ? null : rowOf(best);
  }
  cv.addEventListener("mousemove", function (e) {
    var r = cv.getBoundingClientRect(), i = nearest(e.clientX - r.left, e.clientY - r.top);
    if (i !== st.hover) { st.hover = i; if (i === null) tip.hidden = true; redraw(); }
  });
  cv.addEventListener("mouseleave", function () { st.hover = null; tip.hidden = true; redraw(); });
  cv.addEventListener("keydown", function (e) {
    var n = m(), order = [];
    for (var s = 0; s < n; s++) if (visible(s)) order.push(s);
    if (!order.length) return;
    var cur = st.hover === null ? -1 : order.indexOf(posOf(st.hover));
    if (e.key === "ArrowRight" || e.key === "ArrowDown") cur = (cur + 1) % order.length;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") cur = (cur - 1 + order.length) % order.length;
    else if (e.key === "Escape") { st.hover = null; tip.hidden = true; redraw(); return; }
    else if (e.key === "Enter" && st.hover !== null) { st.highlighted = st.hover; fillList(); redraw(); return; }
    else return;
    e.preventDefault(); st.hover = rowOf(order[cur]); redraw();
  });
  cv.addEventListener("blur", function () { if (st.hover !== null) { st.hover = null; tip.hidden = true; redraw(); } });
  cv.addEventListener("click", function () { if (st.hover !== null) { st.highlighted = st.hover; fillList(); redraw(); } });
  selDs.addEventListener("change", function () { selectIndex(Number(selDs.value)); });
  selCol.addEventListener("change", function () { st.colourBy = selCol.value; redraw(); });
  chkDiffer.addEventListener("change", function () { st.differ = chkDiffer.checked; st.hover = null; tip.hidden = true; redraw(); });
  slider.addEventListener("input", function () { st.iter = Number(slider.value); redraw(); });
  function togglePlay() {
    if (st.timer) { clearInterval(st.timer); st.timer = null; play.textContent = "Play"; return; }
    if (st.iter >= lastIter()) st.iter = 0;
    play.textContent = "Pause";
    st.timer = setInterval(function () {
      if (st.iter >= lastIter()) { togglePlay(); return; }
      st.iter++; redraw();
    }, 350);
  }
  play.addEventListener("click", togglePlay);
  $("ex-list").addEventListener("click", function (e) {
    var b = e.target.closest("button"); if (!b) return;
    st.highlighted = Number(b.getAttribute("data-i"));
    Array.prototype.forEach.call($("ex-list").querySelectorAll("button"), function (x) { x.setAttribute("aria-pressed", String(x === b)); });
    redraw();
  });
  DATA.datasets.forEach(function (d, k) { var o = document.createElement("option"); o.value = String(k); o.textContent = d.name; selDs.appendChild(o); });
  Array.prototype.forEach.call(document.querySelectorAll("[data-explore]"), function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); window.clusterlab.select(a.getAttribute("data-explore")); });
  });

  window.clusterlab = {
    datasets: DATA.datasets.map(function (d) { return d.name; }),
    select: function (name) { selectIndex(dsIndex(name)); $("explorer").scrollIntoView(); return name; },
    pointScreenPosition: function (name, i) {
      var k = dsIndex(name); if (k !== st.ds) selectIndex(k);
      var s = posOf(i); if (s < 0 || !visible(s)) return null;
      var p = px(s), r = cv.getBoundingClientRect();
      return { x: r.left + window.scrollX + p[0], y: r.top + window.scrollY + p[1] };
    },
    setIteration: function (name, i) {
      var k = dsIndex(name); if (k !== st.ds) selectIndex(k);
      st.iter = Math.max(0, Math.min(lastIter(), Math.round(i))); redraw(); return st.iter;
    },
    showDisagreements: function (name, on) {
      var k = dsIndex(name); if (k !== st.ds) selectIndex(k);
      st.differ = !!on && !!ds().em; chkDiffer.checked = st.differ; st.hover = null; tip.hidden = true; redraw(); return shownPoints();
    },
    state: function () {
      return { dataset: ds().name, colourBy: st.colourBy, iteration: st.iter, highlighted: st.highlighted, shownPoints: shownPoints() };
    }
  };
  if (DATA.datasets.length) selectIndex(0);
})();
