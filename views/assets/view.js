/* statecrime view: the page around the drawing, the same for both renderers.
 *
 * It decides what is drawn (relation and grading filters, the date slider,
 * hidden unlinked entities, hubs' held-back neighbours), which chain is in
 * focus, and builds every panel; the renderer adapter (render-canvas.js for
 * vis-network, render-webgl.js for sigma.js) only draws what it is told.
 *
 * Everything taken from the data is put into the page with textContent or as a
 * DOM property, never as markup, so names and notes cannot inject elements or
 * scripts. Links to sources are only made for http(s) URLs.
 *
 * window.statecrime is the page's surface for tests and scripts: chains (the
 * listed chains, in order), focus(i), search(text), refresh(), nodeCount and
 * linkCount (what is drawn now), firstFrameMs, expand(hub), setDate(day),
 * positions(), setPositions(map), exportSVG(), exportPNG(), drawn(), picture().
 */
(function () {
  "use strict";
  /* phases of the start, in ms from navigation start (benchmarks/bench_view.py prints them) */
  var phases = {script: performance.now()};
  var DATA = JSON.parse(document.getElementById("statecrime-data").textContent);
  phases.parsed = performance.now();
  var LEGEND = DATA.legend;
  var SOURCES = DATA.sources || [];
  var GLYPHS = {star: "\u2605", diamond: "\u25C6", box: "\u25AC", dot: "\u25CF", triangle: "\u25B2",
    square: "\u25A0", hexagon: "\u2B22", text: "T", circle: "\u25CF",
    database: "\u26C1", triangleDown: "\u25BC", ellipse: "\u2B2C"};
  var GRADING = /^[A-F][1-6]$/;
  var STORE_KEY = "statecrime:layout:" + DATA.graphId;

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

  function sourceItem(ref) {
    var source = SOURCES[ref] || {};
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

  function evidence(card, refs, none) {
    refs = refs || [];
    if (!refs.length) { if (none) card.appendChild(el("div", none, "sc-kind")); return; }
    card.appendChild(el("div", "Evidence (" + refs.length + "):", "sc-kind"));
    var ol = el("ol");
    refs.forEach(function (s) { ol.appendChild(sourceItem(s)); });
    card.appendChild(ol);
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
    evidence(card, info.sources, null);
    return card;
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
    evidence(card, info.sources, "No source given");
    return card;
  }

  function linksCard(ids) {
    if (ids.length === 1) return handlers.edgeCard(ids[0]);
    var box = el("div", null, "sc-cards");
    box.appendChild(el("div", ids.length + " links between these two entities:", "sc-kind"));
    ids.forEach(function (id) { box.appendChild(handlers.edgeCard(id)); });
    return box;
  }

  function moreCard(hub) {
    var card = el("div", null, "sc-card");
    card.appendChild(el("h4", "+" + DATA.more[hub] + " more"));
    card.appendChild(el("div", "Neighbours of " + byId[hub].label + " held back: it has more than the cap.", "sc-kind"));
    return card;
  }

  /* ---- the model: nodes, edges, the "+N more" stand-ins ----
   * The data is compact (views/html.py): a node's shape, colours and kind label come from
   * the legend by its kind; links come as columns, link N being "eN". */
  var nodes = DATA.nodes, edges = [];
  var byId = {}, edgeById = {};
  var relation = {};
  LEGEND.relations.forEach(function (r) { relation[r.name] = r; });
  var kindOf = {}, roleColor = {};
  LEGEND.kinds.forEach(function (k) { kindOf[k.name] = k; });
  LEGEND.roles.forEach(function (r) { roleColor[r.name] = r.color; });
  var OTHER = kindOf[""] || {label: "Other", color: "#9e9e9e", shape: "dot"};
  nodes.forEach(function (n) {
    byId[n.id] = n;
    var k = kindOf[n.kind] || OTHER;
    n.shape = k.shape;
    n.color = k.color;
    n.border = n.role && roleColor[n.role] ? roleColor[n.role] : k.color;
    n.role = n.role || null;
    var info = n.info = n.info || {};
    if (!info.name) info.name = n.label;
    info.kind = n.kind;
    info.kindLabel = k.label || "";
    ["aliases", "topics", "roles", "crimeTypes", "sources"].forEach(function (key) { if (!info[key]) info[key] = []; });
    if (!info.identifiers) info.identifiers = {};
  });
  (function () {
    var L = DATA.links, pairCount = new Map(), size = nodes.length + 1;
    for (var i = 0; i < L.from.length; i++) {
      var g = L.grading[i], refs = L.sources[i], a = L.from[i], b = L.to[i];
      var e = {id: "e" + i, from: nodes[a].id, to: nodes[b].id, relType: L.types[L.type[i]],
               grading: g >= 0 ? L.gradings[g] : null, confirmed: g >= 0 && L.confirmed[g],
               sources: refs === null ? [] : typeof refs === "number" ? [refs] : refs};
      var extra = L.extra[i];
      if (extra) Object.keys(extra).forEach(function (key) { e[key] = extra[key]; });
      var pair = a < b ? a * size + b : b * size + a;
      e.ends = a * size + b;  /* a number naming the ordered pair of ends */
      e.nth = pairCount.get(pair) || 0;
      pairCount.set(pair, e.nth + 1);
      e.color = (relation[e.relType] || {}).color || "#78909c";
      edges.push(e);
      edgeById[e.id] = e;
    }
  })();
  function gradingWords(code) {
    if (typeof code !== "string" || !GRADING.test(code)) return "not graded";
    return LEGEND.reliability[code[0]] + ", " + LEGEND.credibility[code[1]];
  }
  function edgeInfo(e) {
    return {
      from: byId[e.from] ? byId[e.from].label : e.from, to: byId[e.to] ? byId[e.to].label : e.to,
      type: e.relType, description: (relation[e.relType] || {}).description || null,
      grading: e.grading || e.rawGrading || null, gradingText: gradingWords(e.grading),
      since: e.since, until: e.until, note: e.note, tlp: e.tlp, sources: e.sources || []
    };
  }
  Object.keys(DATA.more || {}).forEach(function (hub) {
    var id = "more:" + hub;
    var stand = {id: id, label: "+" + DATA.more[hub] + " more", kind: "", shape: "box", color: "#eceff1",
      border: "#90a4ae", value: 0, pseudo: true, hub: hub, info: null};
    var hubNode = byId[hub];
    if (hubNode && typeof hubNode.x === "number") { stand.x = hubNode.x + 60; stand.y = hubNode.y + 60; }
    nodes.push(stand);
    byId[id] = stand;
    var link = {id: "more-e:" + hub, from: hub, to: id, relType: "", grading: null, confirmed: false,
      color: "#b0bec5", pseudo: true, nth: 0, info: null};
    edges.push(link);
    edgeById[link.id] = link;
  });

  /* ---- saved layout: from the file (--positions), else this browser's storage ---- */
  function stored() {
    try {
      var raw = window.localStorage.getItem(STORE_KEY);
      return raw ? JSON.parse(raw).positions : null;
    } catch (e) { return null; }
  }
  function cleanPositions(map) {
    var out = {};
    if (!map || typeof map !== "object") return out;
    Object.keys(map).forEach(function (id) {
      var p = map[id];
      if (byId[id] && Array.isArray(p) && p.length === 2 &&
          isFinite(p[0]) && isFinite(p[1])) out[id] = [Number(p[0]), Number(p[1])];
    });
    return out;
  }
  var restoredFrom = null;
  if (DATA.layoutFrom !== "file") {
    var saved = cleanPositions(stored());
    var realNodes = nodes.filter(function (n) { return !n.pseudo; });
    if (realNodes.length && realNodes.every(function (n) { return saved[n.id]; })) {
      realNodes.forEach(function (n) { n.x = saved[n.id][0]; n.y = saved[n.id][1]; });
      DATA.positioned = true;
      restoredFrom = "this browser";
    }
  } else if (DATA.layoutFrom === "file") {
    restoredFrom = "the file";
  }

  var state = {
    types: new Set(LEGEND.relations.map(function (r) { return r.name; })),
    threshold: "",
    hideIsolated: false,
    day: null,
    expanded: new Set(),
    focus: null,
    selected: null
  };

  function inForce(e) {
    if (!state.day) return true;
    return (!e.first || e.first <= state.day) && (!e.last || e.last >= state.day);
  }

  function compute() {
    var shownNodes = new Set(), shownEdges = new Set();
    nodes.forEach(function (n) {
      if (n.pseudo) return;
      if (n.heldBy && !state.expanded.has(n.heldBy)) return;
      shownNodes.add(n.id);
    });
    edges.forEach(function (e) {
      if (e.pseudo) return;
      if (shownNodes.has(e.from) && shownNodes.has(e.to) && state.types.has(e.relType) &&
          meets(e.grading, state.threshold) && inForce(e)) shownEdges.add(e.id);
    });
    if (state.hideIsolated) {
      var linked = new Set();
      shownEdges.forEach(function (id) { linked.add(edgeById[id].from); linked.add(edgeById[id].to); });
      shownNodes.forEach(function (id) { if (!linked.has(id)) shownNodes.delete(id); });
    }
    Object.keys(DATA.more || {}).forEach(function (hub) {
      if (!state.expanded.has(hub) && shownNodes.has(hub)) {
        shownNodes.add("more:" + hub);
        shownEdges.add("more-e:" + hub);
      }
    });
    var focus = null;
    if (state.focus !== null) {
      var chain = DATA.chains[state.focus];
      focus = {nodes: new Set(chain.ids.filter(function (id) { return shownNodes.has(id); })),
               edges: new Set(chain.edges.filter(function (id) { return shownEdges.has(id); }))};
    }
    return {nodes: shownNodes, edges: shownEdges, focus: focus, selected: state.selected};
  }

  /* ---- renderer ---- */
  var status = document.getElementById("sc-status");
  var api = window.statecrime = {
    renderer: DATA.renderer, graphId: DATA.graphId, meets: meets, state: state,
    firstFrameMs: null, settled: false, stabilised: false, restoredFrom: restoredFrom, phases: phases,
    chains: []
  };
  var details = document.getElementById("sc-details");
  function showDetails(card) { details.replaceChildren(card); }

  var handlers = {
    container: document.getElementById("sc-network"),
    tooltip: document.getElementById("sc-tooltip"),
    nodes: nodes, edges: edges, byId: byId, edgeById: edgeById,
    options: DATA.options, positioned: DATA.positioned, legend: LEGEND, initial: compute(),
    highlightColor: LEGEND.highlightColor, glyphs: GLYPHS,
    nodeCard: function (id) { var n = byId[id]; return n.pseudo ? moreCard(n.hub) : entityCard(n.info); },
    edgeCard: function (id) { var e = edgeById[id]; return e.pseudo ? moreCard(e.from) : edgeCard(edgeInfo(e)); },
    onClickNode: function (id) {
      var n = byId[id];
      if (n.pseudo) { expand(n.hub); return; }
      state.selected = id;
      var card = entityCard(n.info);
      if (DATA.more && DATA.more[id] && !state.expanded.has(id)) {
        var button = el("button", "Show " + DATA.more[id] + " more neighbours");
        button.type = "button";
        button.addEventListener("click", function () { expand(id); });
        card.appendChild(button);
      }
      showDetails(card);
    },
    onClickEdge: function (id) { if (!edgeById[id].pseudo) showDetails(edgeCard(edgeInfo(edgeById[id]))); },
    /* several links between one pair, drawn as one line: one card listing each of them */
    linksCard: function (ids) { return linksCard(ids); },
    onClickLinks: function (ids) { showDetails(linksCard(ids)); },
    onFirstFrame: function () {
      if (api.firstFrameMs === null) api.firstFrameMs = performance.now();
    },
    onSettled: function () {
      api.settled = api.stabilised = true;
      api.settledAtMs = performance.now();
      document.body.setAttribute("data-stabilised", "true");
      status.textContent = describeView();
      if (state.focus !== null) adapter.fit(DATA.chains[state.focus].ids);
    },
    onMoved: function () { saveLocal(); }
  };
  phases.model = performance.now();
  var adapter = window.statecrimeRenderer(handlers);
  phases.renderer = performance.now();
  api.adapter = adapter;
  api.inspect = function (kind, id) {
    if (kind === "node") handlers.onClickNode(id); else handlers.onClickEdge(id);
  };
  api.screenPoint = function (id) { return adapter.screenPoint(id); };
  /* every link in the page, drawn or not: id, ends and type (the data holds them as columns) */
  api.links = function () {
    return edges.filter(function (e) { return !e.pseudo; }).map(function (e) {
      return {id: e.id, from: e.from, to: e.to, relType: e.relType, grading: e.grading};
    });
  };

  function drawn() { return adapter.drawn(); }
  function realCount(ids) { return ids.filter(function (id) { return id.indexOf("more") !== 0; }).length; }
  Object.defineProperty(api, "nodeCount", {get: function () { return realCount(drawn().nodes); }});
  Object.defineProperty(api, "linkCount", {get: function () { return realCount(drawn().edges); }});
  api.drawn = drawn;
  /* whether the picture is whole: a large WebGL graph draws its links over several frames
   * after each change (render-webgl.js, the bulk layer); the canvas draws at once */
  api.picture = function () {
    return adapter.picture ? adapter.picture() : {bulkPairs: 0, drawnPairs: 0, complete: true, passes: 0,
                                                  lastPassMs: null, completeAtMs: null};
  };

  function describeView() {
    var d = drawn();
    var shownNodes = realCount(d.nodes), shownEdges = realCount(d.edges);
    var held = nodes.filter(function (n) { return n.heldBy && !state.expanded.has(n.heldBy); });
    var heldIds = new Set(held.map(function (n) { return n.id; }));
    var totalNodes = nodes.filter(function (n) { return !n.pseudo && !heldIds.has(n.id); }).length;
    var totalEdges = edges.filter(function (e) {
      return !e.pseudo && !heldIds.has(e.from) && !heldIds.has(e.to);
    }).length;
    var parts = [];
    if (held.length) parts.push(held.length + " neighbours held back behind \u201C+N more\u201D");
    if (shownEdges !== totalEdges) parts.push("showing " + shownEdges + " of " + totalEdges + " links");
    if (shownNodes !== totalNodes) parts.push(shownNodes + " of " + totalNodes + " entities");
    if (state.day) parts.push("in force on " + state.day);
    if (state.focus !== null) parts.push("chain #" + (state.focus + 1) + " in focus");
    return parts.join(", ");
  }

  function refresh() {
    adapter.apply(compute());
    if (api.settled) status.textContent = describeView();
  }
  api.refresh = refresh;

  function expand(hub) {
    if (!DATA.more || !DATA.more[hub]) return false;
    state.expanded.add(hub);
    refresh();
    return true;
  }
  api.expand = expand;

  /* ---- chains, one at a time ---- */
  var chainPanel = document.getElementById("sc-chains-panel");
  var chainList = document.getElementById("sc-chains");
  var sortSelect = document.getElementById("sc-chain-sort");
  var order = DATA.chains.map(function (_, i) { return i; });
  function sortChains(by) {
    var key = {
      grading: function (c) { return [c.grading || "Z9", c.hops]; },
      hops: function (c) { return [c.hops, c.grading || "Z9"]; },
      names: function (c) { return [c.names.join(" ").toLowerCase(), c.hops]; }
    }[by] || function () { return [0]; };
    order = DATA.chains.map(function (_, i) { return i; });
    order.sort(function (a, b) {
      var ka = key(DATA.chains[a]), kb = key(DATA.chains[b]);
      for (var j = 0; j < ka.length; j++) { if (ka[j] < kb[j]) return -1; if (ka[j] > kb[j]) return 1; }
      return a - b;
    });
    api.chains = order.map(function (i) {
      var c = DATA.chains[i];
      return {number: i + 1, ids: c.ids.slice(), edges: c.edges.slice(), names: c.names.slice(),
              grading: c.grading, hops: c.hops};
    });
    drawChainList();
  }
  var kindStyle = {};
  LEGEND.kinds.forEach(function (k) { kindStyle[k.name] = k; });
  function drawChainList() {
    chainList.replaceChildren();
    order.forEach(function (i, pos) {
      var c = DATA.chains[i];
      var li = el("li", null, "sc-chain" + (state.focus === i ? " sc-current" : ""));
      li.tabIndex = 0;
      li.setAttribute("data-chain", String(i + 1));
      var head = el("div", null, "sc-chain-head");
      head.appendChild(el("span", "#" + (i + 1), "sc-chain-no"));
      head.appendChild(el("span", c.grading || "ungraded", "sc-chain-grade"));
      head.appendChild(el("span", c.hops + " hop" + (c.hops === 1 ? "" : "s"), "sc-count"));
      li.appendChild(head);
      var names = el("div", null, "sc-chain-names");
      c.names.forEach(function (name, j) {
        if (j) names.appendChild(el("span", " \u2192 ", "sc-arrow"));
        var k = kindStyle[c.kinds[j]] || {};
        var glyph = el("span", GLYPHS[k.shape] || "\u25CF", "sc-glyph");
        glyph.style.color = k.color || "#9e9e9e";
        glyph.title = k.label || "";
        names.appendChild(glyph);
        names.appendChild(el("span", name));
      });
      li.appendChild(names);
      li.addEventListener("click", function () { focus(pos); });
      chainList.appendChild(li);
    });
  }
  function focus(pos) {
    if (pos === null || pos === undefined || pos < 0) return clearFocus();
    var i = order[pos];
    if (i === undefined) return null;
    state.focus = i;
    refresh();
    drawChainList();
    var current = chainList.querySelector(".sc-current");
    if (current && current.scrollIntoView) current.scrollIntoView({block: "nearest"});
    adapter.fit(DATA.chains[i].ids);
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#chain=" + (i + 1));
    return api.chains[pos];
  }
  function clearFocus() {
    state.focus = null;
    refresh();
    drawChainList();
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", window.location.pathname + window.location.search);
    adapter.fit(null);
    return null;
  }
  function step(delta) {
    if (!order.length) return null;
    var pos = state.focus === null ? (delta > 0 ? 0 : order.length - 1)
      : (order.indexOf(state.focus) + delta + order.length) % order.length;
    return focus(pos);
  }
  api.focus = focus;
  api.next = function () { return step(1); };
  api.previous = function () { return step(-1); };
  api.focused = function () { return state.focus === null ? null : order.indexOf(state.focus); };
  if (DATA.chains.length) {
    chainPanel.hidden = false;
    sortSelect.addEventListener("change", function () { sortChains(sortSelect.value); });
    document.getElementById("sc-chain-next").addEventListener("click", api.next);
    document.getElementById("sc-chain-prev").addEventListener("click", api.previous);
    document.getElementById("sc-chain-clear").addEventListener("click", clearFocus);
  }
  sortChains("grading");
  document.addEventListener("keydown", function (ev) {
    var t = ev.target && ev.target.tagName;
    if (t === "INPUT" || t === "SELECT" || t === "TEXTAREA" || !DATA.chains.length) return;
    if (ev.key === "j" || ev.key === "]" || ev.key === "ArrowDown") { step(1); ev.preventDefault(); }
    else if (ev.key === "k" || ev.key === "[" || ev.key === "ArrowUp") { step(-1); ev.preventDefault(); }
    else if (ev.key === "Escape") clearFocus();
  });

  /* ---- legend ---- */
  var kindList = document.getElementById("sc-legend-kinds");
  LEGEND.kinds.forEach(function (k) {
    var li = el("li");
    var glyph = el("span", GLYPHS[k.shape] || "\u25CF", "sc-glyph");
    glyph.style.color = k.color;
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
   ["solid", LEGEND.highlightColor, "halo: the chain in focus"]].forEach(function (spec) {
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
    label.appendChild(el("span", r.name + (r.context ? " (context)" : "")));
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

  /* ---- time: links in force on a day ---- */
  var DAY = 86400000;
  var dateOn = document.getElementById("sc-date-on");
  var slider = document.getElementById("sc-date");
  var dateLabel = document.getElementById("sc-date-label");
  var span = DATA.dates;
  function dayAt(index) { return new Date(Date.parse(span.min + "T00:00:00Z") + index * DAY).toISOString().slice(0, 10); }
  function indexOf(day) { return Math.round((Date.parse(day + "T00:00:00Z") - Date.parse(span.min + "T00:00:00Z")) / DAY); }
  if (!span) {
    document.getElementById("sc-time-box").hidden = true;
  } else {
    slider.max = String(indexOf(span.max));
    slider.value = slider.max;
  }
  function setDate(day) {
    if (day === null || day === undefined || day === "") {
      state.day = null;
      dateOn.checked = false;
      slider.disabled = true;
      dateLabel.textContent = "all dates";
    } else {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(day)) || isNaN(Date.parse(day))) throw new Error("not a day: " + day);
      state.day = String(day);
      dateOn.checked = true;
      slider.disabled = false;
      if (span) slider.value = String(Math.max(0, Math.min(Number(slider.max), indexOf(state.day))));
      dateLabel.textContent = state.day + " (undated links always shown)";
    }
    refresh();
    return state.day;
  }
  api.setDate = setDate;
  dateOn.addEventListener("change", function () { setDate(dateOn.checked ? dayAt(Number(slider.value)) : null); });
  slider.addEventListener("input", function () { setDate(dayAt(Number(slider.value))); });

  /* ---- layout: save, load, forget ---- */
  var layoutNote = document.getElementById("sc-layout-note");
  function layoutFile() {
    return {statecrime: "layout", graph: DATA.graphId, title: DATA.title, positions: adapter.positions()};
  }
  function saveLocal() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(layoutFile())); } catch (e) { /* storage off */ }
  }
  function download(name, blob) {
    var a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }
  api.positions = function () { return adapter.positions(); };
  api.setPositions = function (map) {
    var clean = cleanPositions(map);
    adapter.setPositions(clean);
    saveLocal();
    return Object.keys(clean).length;
  };
  document.getElementById("sc-save-layout").addEventListener("click", function () {
    download("statecrime-layout-" + DATA.graphId + ".json",
             new Blob([JSON.stringify(layoutFile(), null, 1)], {type: "application/json"}));
  });
  document.getElementById("sc-load-layout").addEventListener("change", function (ev) {
    var file = ev.target.files && ev.target.files[0];
    if (!file) return;
    file.text().then(function (text) {
      var parsed = JSON.parse(text);
      var count = api.setPositions(parsed && parsed.positions);
      layoutNote.textContent = "Placed " + count + " entities from " + file.name + ".";
    }).catch(function (err) {
      layoutNote.textContent = "Not a layout file: " + err.message;
    });
  });
  document.getElementById("sc-reset-layout").addEventListener("click", function () {
    try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* storage off */ }
    layoutNote.textContent = "This browser forgets the layout; it is laid out afresh on the next opening.";
  });
  if (restoredFrom) layoutNote.textContent = "Layout restored from " + restoredFrom + ".";

  /* ---- the picture as SVG and PNG, drawn from what is shown ---- */
  var SVGNS = "http://www.w3.org/2000/svg";
  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    return node;
  }
  function shapePath(shape, x, y, r) {
    var pts = function (list) { return list.map(function (p) { return (x + p[0] * r).toFixed(1) + "," + (y + p[1] * r).toFixed(1); }).join(" "); };
    if (shape === "triangle") return svgEl("polygon", {points: pts([[0, -1.15], [1, 0.6], [-1, 0.6]])});
    if (shape === "triangleDown") return svgEl("polygon", {points: pts([[0, 1.15], [1, -0.6], [-1, -0.6]])});
    if (shape === "diamond") return svgEl("polygon", {points: pts([[0, -1.2], [1.2, 0], [0, 1.2], [-1.2, 0]])});
    if (shape === "square" || shape === "box") return svgEl("rect", {x: x - r, y: y - r, width: 2 * r, height: 2 * r});
    if (shape === "hexagon") {
      var hex = [];
      for (var i = 0; i < 6; i++) hex.push([Math.cos(Math.PI / 3 * i), Math.sin(Math.PI / 3 * i)]);
      return svgEl("polygon", {points: pts(hex)});
    }
    if (shape === "star") {
      var star = [];
      for (var j = 0; j < 10; j++) {
        var rad = j % 2 ? 0.5 : 1.25, a = -Math.PI / 2 + Math.PI / 5 * j;
        star.push([rad * Math.cos(a), rad * Math.sin(a)]);
      }
      return svgEl("polygon", {points: pts(star)});
    }
    return svgEl("circle", {cx: x, cy: y, r: r});
  }
  function exportSVG() {
    var view = compute();
    var pos = adapter.positions();
    var ids = Array.from(view.nodes).filter(function (id) { return pos[id]; });
    var xs = ids.map(function (id) { return pos[id][0]; }), ys = ids.map(function (id) { return pos[id][1]; });
    var minX = Math.min.apply(null, xs.concat([0])) - 80, minY = Math.min.apply(null, ys.concat([0])) - 80;
    var width = Math.max.apply(null, xs.concat([0])) + 80 - minX, height = Math.max.apply(null, ys.concat([0])) + 80 - minY;
    var svg = svgEl("svg", {xmlns: SVGNS, viewBox: [minX, minY, width, height].join(" "),
                            width: Math.round(width), height: Math.round(height)});
    svg.appendChild(svgEl("rect", {x: minX, y: minY, width: width, height: height, fill: "#ffffff"}));
    var title = svgEl("title");
    title.textContent = DATA.title;
    svg.appendChild(title);
    var dim = function (strong) { return view.focus && !strong ? 0.15 : 1; };
    view.edges.forEach(function (id) {
      var e = edgeById[id], a = pos[e.from], b = pos[e.to];
      if (!a || !b) return;
      var strong = view.focus && view.focus.edges.has(id);
      var line = svgEl("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], stroke: e.color,
        "stroke-width": strong ? 4 : (e.confirmed ? 2 : 1.2), opacity: dim(strong)});
      if (!e.confirmed && !e.pseudo) line.setAttribute("stroke-dasharray", "6 4");
      svg.appendChild(line);
    });
    ids.forEach(function (id) {
      var n = byId[id], p = pos[id];
      var strong = view.focus && view.focus.nodes.has(id);
      var r = 8 + Math.min(14, Math.sqrt(n.value || 0) * 2);
      var shape = shapePath(n.shape, p[0], p[1], r);
      shape.setAttribute("fill", n.color);
      shape.setAttribute("stroke", strong ? LEGEND.highlightColor : n.border);
      shape.setAttribute("stroke-width", strong ? 4 : 1.5);
      shape.setAttribute("opacity", dim(strong));
      svg.appendChild(shape);
      var label = svgEl("text", {x: p[0], y: p[1] + r + 13, "text-anchor": "middle",
        "font-family": "sans-serif", "font-size": strong ? 15 : 12, fill: "#263238", opacity: dim(strong)});
      if (strong) label.setAttribute("font-weight", "bold");
      label.textContent = n.label;
      svg.appendChild(label);
    });
    return new XMLSerializer().serializeToString(svg);
  }
  function exportPNG() {
    var text = exportSVG();
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 8000 / Math.max(img.width, img.height));
        var canvas = el("canvas");
        canvas.width = Math.max(1, Math.round(img.width * scale));
        canvas.height = Math.max(1, Math.round(img.height * scale));
        var ctx = canvas.getContext("2d");
        ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
        resolve(canvas.toDataURL("image/png"));
      };
      img.onerror = function () { reject(new Error("the SVG could not be drawn")); };
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(text);
    });
  }
  api.exportSVG = exportSVG;
  api.exportPNG = exportPNG;
  document.getElementById("sc-export-svg").addEventListener("click", function () {
    download("statecrime-view.svg", new Blob([exportSVG()], {type: "image/svg+xml"}));
  });
  document.getElementById("sc-export-png").addEventListener("click", function () {
    exportPNG().then(function (url) {
      fetch(url).then(function (r) { return r.blob(); }).then(function (b) { download("statecrime-view.png", b); });
    });
  });

  /* ---- search ---- */
  var names = document.getElementById("sc-names");
  var index = [];
  var seen = new Set();
  nodes.forEach(function (n) {
    if (n.pseudo) return;
    [n.info.name].concat(n.info.aliases || []).forEach(function (name) {
      index.push({key: String(name).toLowerCase(), id: n.id});
      if (!seen.has(name) && seen.size < 5000) {
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
    var shown = compute().nodes;
    var visible = function (m) { return shown.has(m.id); };
    var hit = index.find(function (m) { return m.key === q && visible(m); }) ||
              index.find(function (m) { return m.key.indexOf(q) === 0 && visible(m); }) ||
              index.find(function (m) { return m.key.indexOf(q) >= 0 && visible(m); });
    if (!hit) {
      result.textContent = "No entity shown matches \u201C" + text + "\u201D.";
      return null;
    }
    var node = byId[hit.id];
    state.selected = hit.id;
    adapter.select(hit.id);
    showDetails(entityCard(node.info));
    result.textContent = "Selected " + node.info.name + ".";
    return hit.id;
  }
  api.search = search;
  api.selected = function () { return adapter.selected(); };
  var input = document.getElementById("sc-search");
  input.addEventListener("keydown", function (ev) { if (ev.key === "Enter") search(input.value); });
  input.addEventListener("change", function () { search(input.value); });

  /* ---- first drawing, then the chain the link names ---- */
  var wanted = /^#chain=(\d+)$/.exec(window.location.hash || "");
  /* the renderer drew handlers.initial, and nothing has changed since: no second pass */
  if (api.settled) status.textContent = describeView();
  if (wanted) {
    var number = Number(wanted[1]);
    if (number >= 1 && number <= DATA.chains.length) focus(order.indexOf(number - 1));
  }
})();
