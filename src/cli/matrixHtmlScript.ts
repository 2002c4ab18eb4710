/**
 * The script of the HTML matrix (`matrixHtml.ts`), run in the browser: it draws the heat map as an
 * inline SVG from the page's data block, and handles the port selector, folding namespaces (a
 * click on a namespace's header, or `#fold=ns1,ns2` in the address), zoom and the hover.
 *
 * The SVG is drawn from the class-level data rather than stored cell by cell: 500 endpoints make
 * 250,000 cells per port, which as markup would be megabytes. Large grids draw runs of equal cells
 * as one rectangle; small ones (up to `CELL_LIMIT` cells) draw one rectangle per cell, each with
 * `data-from`, `data-to` and a class `allow`, `deny`, `mixed` (a folded namespace with both) or
 * `self`, which the Chromium test reads. Plain ES5 in one function: no external resource, no build.
 * After each render `body` carries `data-rendered` (cells drawn) and `data-render-ms`.
 */
export const MATRIX_HTML_SCRIPT = `(function () {
  "use strict";
  var CELL_LIMIT = 40000;
  var D = JSON.parse(document.getElementById("policyc-matrix-data").textContent);
  var root = document.getElementById("matrix");
  var tip = document.getElementById("tip");
  var portSelect = document.getElementById("port");
  var zoom = document.getElementById("zoom");
  var status = document.getElementById("status");
  var folded = {};
  var port = 0;
  var cell = D.cell;
  var view = null;

  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }
  function nsName(i) {
    return D.namespaces[i] === "" ? "(no namespace)" : D.namespaces[i];
  }
  /** An endpoint's label under its namespace header: the id without the namespace prefix. */
  function shortName(id, ns) {
    var prefix = D.namespaces[ns] + "/";
    return D.namespaces[ns] !== "" && id.indexOf(prefix) === 0 ? id.slice(prefix.length) : id;
  }
  /** The visible lines of an axis: per namespace a header line (the whole namespace when folded), then its endpoints. */
  function lines(axis) {
    var out = [];
    axis.groups.forEach(function (g) {
      var members = [];
      for (var i = g[1]; i < g[1] + g[2]; i++) members.push(i);
      out.push({ header: true, ns: g[0], members: members });
      if (!folded[g[0]]) members.forEach(function (i) { out.push({ header: false, ns: g[0], members: [i] }); });
    });
    return out;
  }
  function code(layer, r, c) {
    return layer[D.rows.cls[r] * D.colClasses + D.cols.cls[c]];
  }
  /** Flows between two lines: how many there are and how many are allowed (an endpoint to itself is none). */
  function count(layer, rl, cl) {
    var total = 0, allowed = 0;
    for (var a = 0; a < rl.members.length; a++) {
      var r = rl.members[a], rid = D.rows.ids[r];
      for (var b = 0; b < cl.members.length; b++) {
        var c = cl.members[b];
        if (D.cols.ids[c] === rid) continue;
        total++;
        allowed += code(layer, r, c) & 1;
      }
    }
    return { total: total, allowed: allowed };
  }
  function state(layer, rl, cl) {
    if ((rl.header && !folded[rl.ns]) || (cl.header && !folded[cl.ns])) return "band";
    var n = count(layer, rl, cl);
    return n.total === 0 ? "self" : n.allowed === n.total ? "allow" : n.allowed === 0 ? "deny" : "mixed";
  }
  function label(line, axis) {
    return line.header ? "namespace " + nsName(line.ns) : axis.ids[line.members[0]];
  }

  function render() {
    var t0 = performance.now();
    var R = lines(D.rows), C = lines(D.cols), layer = D.layers[port];
    var font = Math.min(12, cell - 2), showNames = cell >= 8;
    var longest = 12;
    [[R, D.rows], [C, D.cols]].forEach(function (pair) {
      pair[0].forEach(function (l) {
        var text = l.header ? nsName(l.ns) + " (" + l.members.length + ")" : shortName(pair[1].ids[l.members[0]], l.ns);
        if (l.header || showNames) longest = Math.max(longest, text.length + (l.header ? 2 : 4));
      });
    });
    var margin = Math.ceil(longest * 7) + 8;
    var gx = margin, gy = margin, w = C.length * cell, h = R.length * cell;
    var perCell = R.length * C.length <= CELL_LIMIT;
    var out = [];
    out.push('<svg xmlns="http://www.w3.org/2000/svg" id="heatmap" width="' + (gx + w + 8) + '" height="' + (gy + h + 8) + '" font-family="monospace" font-size="11">');
    // Row and column labels; namespace headers toggle their namespace.
    R.forEach(function (l, i) {
      var y = gy + i * cell + cell / 2;
      if (l.header) {
        out.push('<g class="ns-toggle" data-ns="' + l.ns + '"><rect class="nsband" x="0" y="' + (gy + i * cell) + '" width="' + (gx + w) + '" height="' + cell + '"/>');
        out.push('<text x="4" y="' + y + '" dominant-baseline="central" font-weight="bold">' + (folded[l.ns] ? "\\u25b8 " : "\\u25be ") + esc(nsName(l.ns) + " (" + l.members.length + ")") + "</text></g>");
      } else if (showNames) {
        out.push('<text class="row-label" x="' + (gx - 4) + '" y="' + y + '" dominant-baseline="central" text-anchor="end" font-size="' + font + '">' + esc(shortName(D.rows.ids[l.members[0]], l.ns)) + "</text>");
      }
    });
    C.forEach(function (l, j) {
      var x = gx + j * cell + cell / 2;
      if (l.header) {
        out.push('<g class="ns-toggle" data-ns="' + l.ns + '"><rect class="nsband" x="' + (gx + j * cell) + '" y="0" width="' + cell + '" height="' + (gy + h) + '"/>');
        out.push('<text transform="translate(' + x + "," + (gy - 4) + ') rotate(-90)" dominant-baseline="central" font-weight="bold">' + (folded[l.ns] ? "\\u25b8 " : "\\u25be ") + esc(nsName(l.ns) + " (" + l.members.length + ")") + "</text></g>");
      } else if (showNames) {
        out.push('<text class="col-label" transform="translate(' + x + "," + (gy - 4) + ') rotate(-90)" dominant-baseline="central" font-size="' + font + '">' + esc(shortName(D.cols.ids[l.members[0]], l.ns)) + "</text>");
      }
    });
    // The cells: one rectangle each, or one per run of equal cells in a row.
    var drawn = 0;
    out.push('<g id="cells">');
    R.forEach(function (rl, i) {
      var y = gy + i * cell;
      var runStart = 0, runState = null;
      function flush(end) {
        if (runState !== null && runState !== "band") {
          out.push('<rect class="run ' + runState + '" x="' + (gx + runStart * cell) + '" y="' + y + '" width="' + (end - runStart) * cell + '" height="' + cell + '"/>');
          drawn++;
        }
      }
      C.forEach(function (cl, j) {
        var s = state(layer, rl, cl);
        if (perCell) {
          if (s === "band") return;
          out.push('<rect class="cell ' + s + '" x="' + (gx + j * cell) + '" y="' + y + '" width="' + cell + '" height="' + cell + '" data-from="' + esc(label(rl, D.rows)) + '" data-to="' + esc(label(cl, D.cols)) + '"/>');
          drawn++;
        } else if (s !== runState) {
          flush(j);
          runStart = j;
          runState = s;
        }
      });
      if (!perCell) flush(C.length);
    });
    out.push("</g></svg>");
    root.innerHTML = out.join("");
    view = { R: R, C: C, gx: gx, gy: gy, layer: layer };
    var ms = performance.now() - t0;
    document.body.setAttribute("data-rendered", String(drawn));
    document.body.setAttribute("data-render-ms", ms.toFixed(1));
    status.textContent = D.rows.ids.length + " sources \\u00d7 " + D.cols.ids.length + " destinations, " + D.ports[port] + " (IPv" + D.family + "); drawn in " + ms.toFixed(0) + " ms";
  }

  /** The line under a pointer position, or null. */
  function hit(e) {
    var svg = document.getElementById("heatmap");
    if (!svg || !view) return null;
    var box = svg.getBoundingClientRect();
    var j = Math.floor((e.clientX - box.left - view.gx) / cell), i = Math.floor((e.clientY - box.top - view.gy) / cell);
    if (i < 0 || j < 0 || i >= view.R.length || j >= view.C.length) return null;
    return { rl: view.R[i], cl: view.C[j] };
  }
  function describe(h) {
    var rl = h.rl, cl = h.cl, s = state(view.layer, rl, cl);
    if (s === "band") return null;
    var head = label(rl, D.rows) + " \\u2192 " + label(cl, D.cols) + "  " + D.ports[port];
    if (s === "self") return head + "\\n(the same endpoint)";
    if (rl.header || cl.header) {
      var n = count(view.layer, rl, cl);
      return head + "\\n" + n.allowed + " of " + n.total + " flows allowed";
    }
    var c = code(view.layer, rl.members[0], cl.members[0]);
    return head + "\\n" + D.paths[c >> 1];
  }

  root.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest("[data-ns]") : null;
    if (!t) return;
    var ns = Number(t.getAttribute("data-ns"));
    folded[ns] = !folded[ns];
    render();
  });
  root.addEventListener("mousemove", function (e) {
    var h = hit(e), text = h ? describe(h) : null;
    if (!text) { tip.style.display = "none"; return; }
    tip.textContent = text;
    tip.style.display = "block";
    // Beside the pointer, on the side with room (the path lines are long).
    var left = e.clientX + 14 + tip.offsetWidth > window.innerWidth ? Math.max(0, e.pageX - 14 - tip.offsetWidth) : e.pageX + 14;
    tip.style.left = left + "px";
    tip.style.top = e.pageY + 14 + "px";
  });
  root.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  D.ports.forEach(function (p, i) {
    var o = document.createElement("option");
    o.value = String(i);
    o.textContent = p;
    portSelect.appendChild(o);
  });
  portSelect.addEventListener("change", function () { port = Number(portSelect.value); render(); });
  zoom.value = String(cell);
  zoom.addEventListener("input", function () { cell = Number(zoom.value); render(); });

  // #fold=ns1,ns2&port=N: the state to open in (links, and the Chromium test).
  var hash = location.hash.replace(/^#/, "").split("&");
  hash.forEach(function (kv) {
    var eq = kv.indexOf("="), key = kv.slice(0, eq), value = decodeURIComponent(kv.slice(eq + 1));
    if (key === "fold") value.split(",").forEach(function (ns) { var i = D.namespaces.indexOf(ns); if (i >= 0) folded[i] = true; });
    if (key === "port" && Number(value) >= 0 && Number(value) < D.ports.length) port = Number(value);
  });
  portSelect.value = String(port);
  render();
  window.policycMatrix = { render: render, fold: function (ns) { var i = D.namespaces.indexOf(ns); folded[i] = !folded[i]; render(); } };
})();
`;
