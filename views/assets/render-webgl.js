/* statecrime view, WebGL renderer: draws what view.js decides with sigma.js and graphology.
 *
 * For large graphs: positions come laid out from Python (views/layout.py),
 * nothing is simulated in the page. Visibility is a graphology attribute
 * (hidden), focus and selection are applied by sigma's reducers, so a change
 * of filter costs one pass over the graph and one refresh. Sigma draws every
 * node as a disc: a focused or selected node gets an amber ring, its kind's
 * glyph in the kind's colour (star, diamond, triangle...) and its name.
 * Coordinates are kept y-down, as vis-network's, so saved layouts move
 * between the two renderers.
 */
window.statecrimeRenderer = function (ctx) {
  "use strict";
  var Graph = graphology.MultiDirectedGraph || graphology.MultiGraph;
  var graph = new Graph();
  var current = ctx.initial;
  var big = ctx.nodes.length > 1000 || ctx.edges.length > 3000;
  function nodeSize(n) { return n.pseudo ? 6 : 2.5 + Math.min(11, Math.sqrt(n.value || 0) * (big ? 0.9 : 1.6)); }
  ctx.nodes.forEach(function (n, i) {
    var angle = i * 2.399963;
    var x = typeof n.x === "number" ? n.x : 30 * Math.sqrt(i) * Math.cos(angle);
    var y = typeof n.y === "number" ? n.y : 30 * Math.sqrt(i) * Math.sin(angle);
    graph.addNode(n.id, {x: x, y: -y, size: nodeSize(n), color: n.color, label: n.label,
                         hidden: !current.nodes.has(n.id)});
  });
  ctx.edges.forEach(function (e) {
    graph.addDirectedEdgeWithKey(e.id, e.from, e.to, {
      color: e.confirmed ? e.color : e.color + "99", size: e.confirmed ? 1.4 : 0.8,
      label: e.relType, hidden: !current.edges.has(e.id)
    });
  });

  var selectedId = null;
  var hoveredId = null;
  function strongNode(id) { return current.focus ? current.focus.nodes.has(id) : false; }
  function strongEdge(id) { return current.focus ? current.focus.edges.has(id) : false; }

  function drawLabel(context, data, settings) {
    if (!data.label) return;
    var size = data.strong ? 14 : settings.labelSize;
    var x = data.x + data.size + 3, y = data.y + size / 3;
    if (data.strong || data.selected) {
      context.beginPath();
      context.arc(data.x, data.y, data.size + 3, 0, Math.PI * 2);
      context.lineWidth = 3;
      context.strokeStyle = ctx.highlightColor;
      context.stroke();
    }
    context.font = (data.strong ? "bold " : "") + size + "px system-ui, sans-serif";
    if (data.glyph) {
      context.fillStyle = data.kindColor;
      context.fillText(data.glyph, x, y);
      x += context.measureText(data.glyph + " ").width;
    }
    context.lineWidth = 3;
    context.strokeStyle = "#ffffff";
    context.strokeText(data.label, x, y);
    context.fillStyle = "#263238";
    context.fillText(data.label, x, y);
  }

  var renderer = new Sigma(graph, ctx.container, {
    hideEdgesOnMove: big,
    hideLabelsOnMove: big,
    renderEdgeLabels: false,
    enableEdgeClickEvents: true,
    enableEdgeHoverEvents: !big,
    labelRenderedSizeThreshold: big ? 11 : 7,
    labelDensity: big ? 0.3 : 1,
    labelFont: "system-ui, sans-serif",
    defaultEdgeType: "line",
    zIndex: false,
    labelRenderer: drawLabel,
    hoverRenderer: drawLabel,
    nodeReducer: function (id, attrs) {
      if (!current.focus && id !== selectedId) return attrs;  /* no copy: 50,000 of them per pass */
      var out = Object.assign({}, attrs);
      var n = ctx.byId[id];
      out.kindColor = n.color;
      if (strongNode(id) || id === selectedId) {
        out.strong = strongNode(id);
        out.selected = id === selectedId;
        out.forceLabel = true;
        out.zIndex = 2;
        out.glyph = ctx.glyphs[n.shape] || "\u25CF";
        out.size = Math.max(attrs.size, 7);
      } else if (current.focus) {
        out.color = "#dfe3e6";
        out.label = null;
        out.zIndex = 0;
      } else {
        out.zIndex = 1;
      }
      return out;
    },
    edgeReducer: function (id, attrs) {
      if (!current.focus) return attrs;
      var out = Object.assign({}, attrs);
      if (strongEdge(id)) {
        out.strong = true;
        out.size = 3.5;
        out.type = "arrow";
        out.zIndex = 2;
        out.color = ctx.edgeById[id].color;
        out.forceLabel = true;
      } else if (current.focus) {
        out.color = "#eef0f2";
        out.label = null;
        out.zIndex = 0;
      } else {
        out.zIndex = 1;
      }
      return out;
    }
  });
  requestAnimationFrame(function () {
    ctx.onFirstFrame();
    setTimeout(ctx.onSettled, 0);
  });

  /* tooltips and clicks */
  var tip = ctx.tooltip;
  function showTip(card, x, y) {
    tip.replaceChildren(card);
    tip.hidden = false;
    var box = ctx.container.getBoundingClientRect();
    tip.style.left = Math.min(x + 14, box.width - 430) + "px";
    tip.style.top = Math.min(y + 14, box.height - 200) + "px";
  }
  renderer.on("enterNode", function (ev) {
    hoveredId = ev.node;
    var p = renderer.graphToViewport(graph.getNodeAttributes(ev.node));
    showTip(ctx.nodeCard(ev.node), p.x, p.y);
  });
  renderer.on("leaveNode", function () { hoveredId = null; tip.hidden = true; });
  renderer.on("enterEdge", function (ev) {
    var e = ctx.edgeById[ev.edge];
    var a = renderer.graphToViewport(graph.getNodeAttributes(e.from));
    var b = renderer.graphToViewport(graph.getNodeAttributes(e.to));
    showTip(ctx.edgeCard(ev.edge), (a.x + b.x) / 2, (a.y + b.y) / 2);
  });
  renderer.on("leaveEdge", function () { tip.hidden = true; });
  renderer.on("clickNode", function (ev) { ctx.onClickNode(ev.node); });
  renderer.on("clickEdge", function (ev) { ctx.onClickEdge(ev.edge); });

  /* dragging a node moves it (and the layout is saved, as on canvas) */
  var dragged = null;
  renderer.on("downNode", function (ev) {
    if (big) return;  /* every move reprocesses the whole graph: too slow past a few thousand */
    dragged = ev.node;
    renderer.getCamera().disable();
  });
  renderer.getMouseCaptor().on("mousemovebody", function (ev) {
    if (!dragged) return;
    var p = renderer.viewportToGraph(ev);
    graph.mergeNodeAttributes(dragged, {x: p.x, y: p.y});
    ev.preventSigmaDefault();
    ev.original.preventDefault();
    ev.original.stopPropagation();
  });
  renderer.getMouseCaptor().on("mouseup", function () {
    if (!dragged) return;
    dragged = null;
    renderer.getCamera().enable();
    ctx.onMoved();
  });

  function candidates(what) {
    if (!current.focus) return [];
    var pool = what === "nodes" ? current.nodes : current.edges;
    return Array.from(current.focus[what]).filter(function (id) { return pool.has(id); });
  }

  function frame(ids) {
    var xs = [], ys = [];
    ids.forEach(function (id) {
      var d = renderer.getNodeDisplayData(id);
      if (d) { xs.push(d.x); ys.push(d.y); }
    });
    if (!xs.length) return null;
    var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
    var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
    return {x: (minX + maxX) / 2, y: (minY + maxY) / 2,
            ratio: Math.max(0.04, Math.max(maxX - minX, maxY - minY) * 1.4)};
  }

  return {
    sigma: renderer, graph: graph,
    apply: function (view) {
      /* one pass to find what changed; sigma reprocesses the whole graph on any change */
      var focusChanged = (view.focus === null) !== (current.focus === null) ||
        (view.focus && current.focus && (view.focus.nodes.size !== current.focus.nodes.size ||
          Array.from(view.focus.edges).some(function (id) { return !current.focus.edges.has(id); })));
      current = view;
      var changed = false;
      graph.forEachNode(function (id, a) { if (a.hidden === view.nodes.has(id)) changed = true; });
      graph.forEachEdge(function (id, a) { if (a.hidden === view.edges.has(id)) changed = true; });
      if (changed) {
        graph.updateEachNodeAttributes(function (id, attrs) {
          attrs.hidden = !view.nodes.has(id);
          return attrs;
        }, {attributes: ["hidden"]});
        graph.updateEachEdgeAttributes(function (id, attrs) {
          attrs.hidden = !view.edges.has(id);
          return attrs;
        }, {attributes: ["hidden"]});
      }
      var labels = !!view.focus;
      var relabel = renderer.getSetting("renderEdgeLabels") !== labels;
      if (relabel) {
        renderer.setSetting("renderEdgeLabels", labels);
        renderer.setSetting("zIndex", labels);  /* sorting by depth only matters with a focus */
      }
      if (relabel || changed || focusChanged) renderer.refresh();  /* now, not next frame */
    },
    drawn: function () {
      var shownNodes = graph.filterNodes(function (id, a) { return !a.hidden; });
      var shownEdges = graph.filterEdges(function (id, a) { return !a.hidden; });
      return {
        nodes: shownNodes, edges: shownEdges,
        /* only a focused chain's items can be strong: ask sigma about those, not all 50,000 */
        strongNodes: candidates("nodes").filter(function (id) { var d = renderer.getNodeDisplayData(id); return d && d.strong; }),
        strongEdges: candidates("edges").filter(function (id) { var d = renderer.getEdgeDisplayData(id); return d && d.strong; }),
        labelledNodes: candidates("nodes").filter(function (id) {
          var d = renderer.getNodeDisplayData(id);
          return d && d.strong && d.forceLabel && d.label === ctx.byId[id].label;
        }),
        nodeStyle: function (id) {
          var d = renderer.getNodeDisplayData(id);
          var n = ctx.byId[id];
          return {shape: n.shape, glyph: d.glyph || null, color: n.color, border: n.border, opacity: 1};
        }
      };
    },
    positions: function () {
      var out = {};
      graph.forEachNode(function (id, a) {
        if (ctx.byId[id].pseudo) return;
        out[id] = [Math.round(a.x * 10) / 10, Math.round(-a.y * 10) / 10];
      });
      return out;
    },
    setPositions: function (map) {
      Object.keys(map).forEach(function (id) {
        if (graph.hasNode(id)) graph.mergeNodeAttributes(id, {x: map[id][0], y: -map[id][1]});
      });
      renderer.refresh();
    },
    fit: function (ids) {
      var camera = renderer.getCamera();
      if (!ids) { camera.animatedReset({duration: 300}); return; }
      var target = frame(ids);
      if (target) camera.animate(target, {duration: 300});
    },
    select: function (id) {
      selectedId = id;
      renderer.refresh();
      var d = renderer.getNodeDisplayData(id);
      if (d) renderer.getCamera().animate({x: d.x, y: d.y, ratio: 0.08}, {duration: 300});
    },
    selected: function () { return selectedId === null ? [] : [selectedId]; },
    hovered: function () { return hoveredId; },
    screenPoint: function (id) {
      var p = renderer.graphToViewport(graph.getNodeAttributes(id));
      var box = ctx.container.getBoundingClientRect();
      return {x: Math.round(p.x + box.left), y: Math.round(p.y + box.top)};
    }
  };
};
