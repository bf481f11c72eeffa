/* statecrime view: builds the network, tooltips, legend and filters from the inlined data.
 *
 * Everything taken from the data is put into the page with textContent or as a
 * DOM property, never as markup, so names and notes cannot inject elements or
 * scripts. Links to sources are only made for http(s) URLs.
 * window.statecrime exposes the network and its data views to tests.
 */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("statecrime-data").textContent);
  var LEGEND = DATA.legend;
  var GLYPHS = {star: "\u2605", diamond: "\u25C6", box: "\u25AC", dot: "\u25CF", triangle: "\u25B2",
    square: "\u25A0", hexagon: "\u2B22", text: "T", circle: "\u25CF",
    database: "\u26C1", triangleDown: "\u25BC"};
  var GRADING = /^[A-F][1-6]$/;

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function safeUrl(url) {
    if (typeof url !== "string") return null;
    try {
      var parsed = new URL(url);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function meets(grading, threshold) {
    /* Admiralty: both dimensions at least as good; F and 6 pass no threshold. */
    if (!threshold) return true;
    if (typeof grading !== "string" || !GRADING.test(grading)) return false;
    if (grading[0] === "F" || grading[1] === "6") return false;
    return grading[0] <= threshold[0] && grading[1] <= threshold[1];
  }

  function row(dl, term, value) {
    if (value === null || value === undefined || value === "" ||
        (Array.isArray(value) && value.length === 0)) return;
    dl.appendChild(el("dt", term));
    var dd = el("dd");
    if (value instanceof Node) dd.appendChild(value);
    else dd.textContent = Array.isArray(value) ? value.join(", ") : String(value);
    dl.appendChild(dd);
  }

  function entityCard(info) {
    var card = el("div", null, "sc-card");
    card.appendChild(el("h4", info.name));
    card.appendChild(el("div", info.kindLabel + (info.isClass ? " (a class of entities)" : ""), "sc-kind"));
    var dl = el("dl");
    row(dl, "aliases", info.aliases);
    row(dl, "country", info.country);
    row(dl, "roles", info.roles);
    row(dl, "crimes", info.crimeTypes);
    row(dl, "date", info.date);
    row(dl, "topics", info.topics);
    Object.keys(info.identifiers || {}).forEach(function (key) {
      row(dl, key, info.identifiers[key]);
    });
    row(dl, "about", info.description);
    card.appendChild(dl);
    var sources = info.sources || [];
    if (sources.length) {
      card.appendChild(el("div", "Evidence (" + sources.length + "):", "sc-kind"));
      var ol = el("ol");
      sources.forEach(function (s) { ol.appendChild(sourceItem(s)); });
      card.appendChild(ol);
    }
    return card;
  }

  function sourceItem(source) {
    var li = el("li");
    var head = [source.publisher, source.date].filter(Boolean).join(", ");
    li.appendChild(el("span", head ? head + ": " : ""));
    var url = safeUrl(source.url);
    var titleText = source.title || source.id || "source";
    if (url) {
      var a = el("a", titleText);
      a.href = url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      li.appendChild(a);
    } else {
      li.appendChild(el("span", titleText));
    }
    var extra = [source.sourceType, source.tlp ? "TLP:" + source.tlp : null].filter(Boolean);
    if (extra.length) li.appendChild(el("span", " (" + extra.join(", ") + ")", "sc-kind"));
    if (source.url && !url) li.appendChild(el("span", " " + source.url, "sc-kind"));
    return li;
  }

  function edgeCard(info) {
    var card = el("div", null, "sc-card");
    card.appendChild(el("h4", info.from + " \u2192 " + info.type + " \u2192 " + info.to));
    if (info.description) card.appendChild(el("div", info.description, "sc-kind"));
    var dl = el("dl");
    row(dl, "grading", (info.grading || "none") + " \u2014 " + info.gradingText);
    row(dl, "since", info.since);
    row(dl, "until", info.until);
    row(dl, "note", info.note);
    row(dl, "TLP", info.tlp);
    card.appendChild(dl);
    var sources = info.sources || [];
    card.appendChild(el("div", sources.length ? "Evidence (" + sources.length + "):" : "No source given", "sc-kind"));
    if (sources.length) {
      var ol = el("ol");
      sources.forEach(function (s) { ol.appendChild(sourceItem(s)); });
      card.appendChild(ol);
    }
    return card;
  }

  /* ---- data sets and filters ---- */
  var tParsed = performance.now();
  var nodeItems = DATA.nodes.map(function (n) {
    n.title = entityCard(n.info);
    return n;
  });
  var edgeItems = DATA.edges.map(function (e) {
    e.title = edgeCard(e.info);
    return e;
  });
  var nodes = new vis.DataSet(nodeItems);
  var edges = new vis.DataSet(edgeItems);
  var state = {
    types: new Set(LEGEND.relations.map(function (r) { return r.name; })),
    threshold: "",
    hideIsolated: false,
    linked: null
  };
  var edgesView = new vis.DataView(edges, {
    filter: function (e) { return state.types.has(e.relType) && meets(e.grading, state.threshold); }
  });
  var nodesView = new vis.DataView(nodes, {
    filter: function (n) { return !state.hideIsolated || (state.linked !== null && state.linked.has(n.id)); }
  });

  var status = document.getElementById("sc-status");
  function describeView() {
    var shownEdges = edgesView.length, shownNodes = nodesView.length;
    var parts = [];
    if (shownEdges !== edges.length) parts.push("showing " + shownEdges + " of " + edges.length + " links");
    if (shownNodes !== nodes.length) parts.push(shownNodes + " of " + nodes.length + " entities");
    return parts.join(", ");
  }

  function refresh() {
    edgesView.refresh();
    if (state.hideIsolated) {
      state.linked = new Set();
      edgesView.forEach(function (e) { state.linked.add(e.from); state.linked.add(e.to); });
    }
    nodesView.refresh();
    if (window.statecrime.stabilised) status.textContent = describeView();
  }

  /* ---- network ---- */
  var container = document.getElementById("sc-network");
  var t0 = performance.now();
  var network = new vis.Network(container, {nodes: nodesView, edges: edgesView}, DATA.options);
  var tBuilt = performance.now();
  window.statecrime = {
    timings: {scriptStart: tParsed, networkStart: t0, networkBuilt: tBuilt},
    network: network, nodes: nodes, edges: edges, nodesView: nodesView, edgesView: edgesView,
    state: state, refresh: refresh, meets: meets,
    stabilised: false, stabilisedAtMs: null, stabiliseMs: null, iterations: 0
  };

  function settled() {
    if (window.statecrime.stabilised) return;
    network.setOptions({physics: {enabled: false}});
    window.statecrime.stabilised = true;
    window.statecrime.stabilisedAtMs = performance.now();
    window.statecrime.stabiliseMs = performance.now() - t0;
    document.body.setAttribute("data-stabilised", "true");
    status.textContent = describeView();
  }
  network.on("stabilizationProgress", function (p) {
    window.statecrime.iterations = p.iterations;
    status.textContent = "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
  });
  network.once("stabilizationIterationsDone", settled);
  if (nodes.length === 0) settled();

  /* ---- details panel ---- */
  var details = document.getElementById("sc-details");
  function showDetails(card) {
    details.replaceChildren(card);
  }
  network.on("click", function (params) {
    if (params.nodes.length) showDetails(entityCard(nodes.get(params.nodes[0]).info));
    else if (params.edges.length) showDetails(edgeCard(edges.get(params.edges[0]).info));
  });

  /* ---- legend ---- */
  var kindList = document.getElementById("sc-legend-kinds");
  LEGEND.kinds.forEach(function (k) {
    var li = el("li");
    var glyph;
    if (k.shape === "ellipse" || k.shape === "box") {
      glyph = el("span", null, "sc-glyph sc-" + k.shape);
      glyph.style.backgroundColor = k.color;
    } else {
      glyph = el("span", GLYPHS[k.shape] || "\u25CF", "sc-glyph");
      glyph.style.color = k.color;
    }
    li.appendChild(glyph);
    li.appendChild(el("span", k.label));
    li.appendChild(el("span", k.count, "sc-count"));
    kindList.appendChild(li);
  });
  var roleList = document.getElementById("sc-legend-roles");
  LEGEND.roles.forEach(function (r) {
    var li = el("li");
    var ring = el("span", null, "sc-ring");
    ring.style.borderColor = r.color;
    li.appendChild(ring);
    li.appendChild(el("span", r.name));
    roleList.appendChild(li);
  });
  if (!LEGEND.roles.length) document.getElementById("sc-legend-roles-box").hidden = true;
  var lineList = document.getElementById("sc-legend-lines");
  [["solid", "#455a64", "confirmed: B2 or better"],
   ["dashed", "#455a64", "doubtful: worse than B or 2, or ungraded"],
   ["solid", LEGEND.highlightColor, "highlighted chain"]].forEach(function (spec) {
    var li = el("li");
    var line = el("span", null, "sc-line");
    line.style.borderTopStyle = spec[0];
    line.style.borderTopColor = spec[1];
    li.appendChild(line);
    li.appendChild(el("span", spec[2]));
    lineList.appendChild(li);
  });

  /* ---- relation filter ---- */
  var relBox = document.getElementById("sc-relations");
  LEGEND.relations.forEach(function (r) {
    var label = el("label", null, "sc-check");
    label.title = r.description || "";
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = r.name;
    box.setAttribute("data-relation", r.name);
    box.addEventListener("change", function () {
      if (box.checked) state.types.add(r.name); else state.types.delete(r.name);
      refresh();
    });
    var line = el("span", null, "sc-line");
    line.style.borderTopColor = r.color;
    label.appendChild(box);
    label.appendChild(line);
    label.appendChild(el("span", r.name));
    label.appendChild(el("span", r.count, "sc-count"));
    relBox.appendChild(label);
  });
  document.getElementById("sc-hide-isolated").addEventListener("change", function (ev) {
    state.hideIsolated = ev.target.checked;
    refresh();
  });

  /* ---- grading filter ---- */
  var select = document.getElementById("sc-grading");
  Object.keys(LEGEND.reliability).forEach(function (r) {
    if (r === "F") return;
    var group = el("optgroup");
    group.label = r + ": " + LEGEND.reliability[r];
    Object.keys(LEGEND.credibility).forEach(function (c) {
      if (c === "6") return;
      var opt = el("option", "at least " + r + c + " (" + LEGEND.credibility[c] + ")");
      opt.value = r + c;
      group.appendChild(opt);
    });
    select.appendChild(group);
  });
  select.addEventListener("change", function () {
    state.threshold = select.value;
    refresh();
  });

  /* ---- search ---- */
  var names = document.getElementById("sc-names");
  var index = [];
  var seen = new Set();
  nodes.forEach(function (n) {
    [n.info.name].concat(n.info.aliases || []).forEach(function (name) {
      index.push({key: String(name).toLowerCase(), id: n.id});
      if (!seen.has(name)) {
        seen.add(name);
        var opt = el("option");
        opt.value = name;
        names.appendChild(opt);
      }
    });
  });
  var result = document.getElementById("sc-search-result");
  function search(text) {
    var q = String(text).trim().toLowerCase();
    if (!q) { result.textContent = ""; return null; }
    var visible = function (m) { return nodesView.get(m.id) !== null; };
    var hit = index.find(function (m) { return m.key === q && visible(m); }) ||
              index.find(function (m) { return m.key.indexOf(q) === 0 && visible(m); }) ||
              index.find(function (m) { return m.key.indexOf(q) >= 0 && visible(m); });
    if (!hit) {
      result.textContent = "No entity shown matches \u201C" + text + "\u201D.";
      return null;
    }
    var node = nodes.get(hit.id);
    network.selectNodes([hit.id]);
    network.focus(hit.id, {scale: 1.3, animation: {duration: 300}});
    showDetails(entityCard(node.info));
    result.textContent = "Selected " + node.info.name + ".";
    return hit.id;
  }
  window.statecrime.search = search;
  var input = document.getElementById("sc-search");
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(input.value); });
  input.addEventListener("change", function () { search(input.value); });
})();
