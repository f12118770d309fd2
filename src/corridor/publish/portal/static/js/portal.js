/* corridor portal: renders the Vega-Lite specs and chord diagrams embedded in the page.
 * Every chart's data is in the page as JSON (<script type="application/json">); nothing is fetched
 * from outside the server. A rendered container gets data-state="rendered" (or "error"), which the
 * browser tests read. */
(function () {
  "use strict";

  function specOf(el) {
    var holder = document.getElementById(el.getAttribute("data-spec"));
    return holder ? JSON.parse(holder.textContent) : null;
  }

  function fail(el, err) {
    el.setAttribute("data-state", "error");
    var p = document.createElement("p");
    p.className = "note warn";
    p.textContent = "This chart could not be drawn: " + (err && err.message ? err.message : err);
    el.appendChild(p);
  }

  function renderVega(el) {
    var spec = specOf(el);
    if (!spec) { return fail(el, "no specification"); }
    vegaEmbed(el, spec, { actions: false, renderer: "svg", tooltip: { theme: "light" } })
      .then(function (result) {
        el.setAttribute("data-state", "rendered");
        var rows = 0;
        try {
          var ds = result.view.getState({ data: vega.truthy, signals: vega.falsy, recurse: true }).data || {};
          Object.keys(ds).forEach(function (k) { if (Array.isArray(ds[k])) { rows += ds[k].length; } });
        } catch (e) { /* counting is a courtesy for tests */ }
        el.setAttribute("data-rows", String(rows));
      })
      .catch(function (err) { fail(el, err); });
  }

  function fmt(v) {
    if (v === null || v === undefined || isNaN(v)) { return "missing"; }
    return Math.round(v).toLocaleString("en");
  }

  var MIN_LABEL_ANGLE = 0.09; // radians: about 8 px of arc per label line at this radius

  function renderChord(el) {
    var data = specOf(el);
    if (!data || !data.names || !data.names.length) { return fail(el, "no flows"); }
    var size = 560, margin = 190;
    var outer = size / 2 - 30, inner = outer - 14;
    var svg = d3.select(el).append("svg")
      .attr("class", "chord")
      .attr("viewBox", [-(size / 2 + margin), -size / 2, size + 2 * margin, size].join(" "))
      .attr("role", "img")
      .attr("aria-label", data.title || "Chord diagram of estimated flows");
    var chords = d3.chordDirected().padAngle(10 / inner).sortSubgroups(d3.descending)(data.matrix);
    var color = d3.scaleOrdinal(data.names, d3.schemeTableau10);
    var arc = d3.arc().innerRadius(inner).outerRadius(outer);
    var ribbon = d3.ribbonArrow().radius(inner - 1).padAngle(1 / inner);
    var group = svg.append("g").selectAll("g").data(chords.groups).join("g");
    group.append("path").attr("class", "group").attr("fill", function (d) { return color(data.names[d.index]); })
      .attr("stroke", "#fff").attr("d", arc)
      .append("title").text(function (d) {
        return data.names[d.index] + "\nout: " + fmt(d3.sum(data.matrix[d.index])) +
          "\nin: " + fmt(d3.sum(data.matrix, function (row) { return row[d.index]; }));
      });
    // horizontal labels outside the ring, only where the arc is wide enough for one not to overlap its
    // neighbours; the others are named under the diagram (and in the ring's tooltip)
    var unlabelled = [];
    group.filter(function (d) {
      if (d.endAngle - d.startAngle >= MIN_LABEL_ANGLE) { return true; }
      unlabelled.push(data.names[d.index]);
      return false;
    }).append("text")
      .each(function (d) {
        var a = (d.startAngle + d.endAngle) / 2 - Math.PI / 2;
        d.lx = Math.cos(a) * (outer + 10); d.ly = Math.sin(a) * (outer + 10);
      })
      .attr("x", function (d) { return d.lx; })
      .attr("y", function (d) { return d.ly; })
      .attr("dy", function (d) { return d.ly > outer * 0.8 ? "0.9em" : (d.ly < -outer * 0.8 ? "-0.3em" : "0.35em"); })
      .attr("text-anchor", function (d) { return d.lx > 12 ? "start" : (d.lx < -12 ? "end" : "middle"); })
      .text(function (d) {
        // the qualifier "(Abel 2018 region)" is in the tooltip and the source line; the ring shows the name
        var n = data.names[d.index].replace(/ \([^)]*\)$/, "");
        return n.length > 34 ? n.slice(0, 33) + "…" : n;
      })
      .append("title").text(function (d) { return data.names[d.index]; });
    svg.append("g").attr("fill-opacity", 0.72).selectAll("path").data(chords).join("path")
      .attr("class", "ribbon")
      .attr("d", ribbon)
      .attr("fill", function (d) { return color(data.names[d.source.index]); })
      .append("title").text(function (d) {
        return data.names[d.source.index] + " → " + data.names[d.target.index] + ": " +
          fmt(data.matrix[d.source.index][d.target.index]) + (data.unit ? " " + data.unit : "");
      });
    if (unlabelled.length) {
      var note = document.createElement("p");
      note.className = "source chord-unlabelled";
      note.textContent = "Too small to label on the ring (hover it for the figures): " + unlabelled.join("; ") + ".";
      el.appendChild(note);
    }
    el.setAttribute("data-state", "rendered");
    el.setAttribute("data-rows", String(chords.length));
  }

  function init() {
    document.querySelectorAll("[data-vega]").forEach(renderVega);
    document.querySelectorAll("[data-chord]").forEach(function (el) {
      try { renderChord(el); } catch (e) { fail(el, e); }
    });
    document.querySelectorAll("select[data-autosubmit]").forEach(function (sel) {
      sel.addEventListener("change", function () { sel.form.submit(); });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
