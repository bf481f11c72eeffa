/* statecrime view, canvas renderer: draws what view.js decides with vis-network.
 *
 * vis-network lays a small graph out with its physics, which is switched off
 * once the layout has settled (or from the start when every node has a saved
 * position), so the picture stops moving. Tooltips are our own cards (DOM
 * elements built with textContent), given to vis as element titles.
 */
window.statecrimeRenderer = function (ctx) {
  "use strict";
  var LABEL_INSIDE = {box: 1, ellipse: 1, circle: 1, database: 1};
  var current = ctx.initial;

  function fade(hex, alpha) {
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + (n >> 16 & 255) + "," + (n >> 8 & 255) + "," + (n & 255) + "," + alpha + ")";
  }
  function nodeItem(n, look) {
    var fontColor = LABEL_INSIDE[n.shape] ? "#ffffff" : "#263238";
    var item = {
      id: n.id, label: n.label, shape: n.shape, value: n.value,
      color: {background: n.color, border: n.border,
              highlight: {background: n.color, border: "#000000"},
              hover: {background: n.color, border: "#000000"}},
      borderWidth: n.role ? 4 : 1.5, opacity: 1, shadow: {enabled: false},
      font: {color: fontColor, size: 14, bold: {color: fontColor}},
      strong: false
    };
    if (n.pseudo) {
      item.font = {color: "#37474f", size: 13};
      item.shapeProperties = {borderDashes: [4, 3]};
    }
    if (typeof n.x === "number") { item.x = n.x; item.y = n.y; }
    if (look === "strong") {
      item.strong = true;
      item.borderWidth = n.role ? 5 : 3;
      item.shadow = {enabled: true, color: ctx.highlightColor, size: 22, x: 0, y: 0};
      item.font = {color: fontColor, size: 18, bold: {color: fontColor}, strokeWidth: 4, strokeColor: "#ffffff"};
      item.label = n.label;
      item.scaling = {min: 10, max: 42, label: {enabled: true, drawThreshold: 1, min: 16, max: 26}};
    } else if (look === "dim") {
      item.opacity = 0.2;
      item.font = {color: fade("#263238", 0.25), size: 12};
    }
    return item;
  }
  function edgeItem(e, look) {
    var item = {
      id: e.id, from: e.from, to: e.to, label: e.relType, relType: e.relType, grading: e.grading,
      dashes: !e.confirmed, width: e.confirmed ? 2 : 1.2,
      color: {color: e.color, highlight: "#000000", hover: "#000000", opacity: 1},
      font: {size: 10}, strong: false
    };
    if (e.pseudo) { item.label = ""; item.arrows = {to: {enabled: false}}; }
    if (e.nth) item.smooth = {enabled: true, type: "curvedCW", roundness: 0.18 * e.nth};
    if (look === "strong") {
      item.strong = true;
      item.width = 5;
      item.font = {size: 14, bold: true, strokeWidth: 4};
    } else if (look === "dim") {
      item.color = {color: e.color, highlight: "#000000", hover: "#000000", opacity: 0.08};
      item.label = " ";
    }
    return item;
  }
  var nodes = new vis.DataSet(ctx.nodes.map(function (n) {
    var item = nodeItem(n, "plain");
    item.title = ctx.nodeCard(n.id);
    return item;
  }));
  var edges = new vis.DataSet(ctx.edges.map(function (e) {
    var item = edgeItem(e, "plain");
    item.title = ctx.edgeCard(e.id);
    return item;
  }));
  var nodesView = new vis.DataView(nodes, {filter: function (n) { return current.nodes.has(n.id); }});
  var edgesView = new vis.DataView(edges, {filter: function (e) { return current.edges.has(e.id); }});
  var options = JSON.parse(JSON.stringify(ctx.options));
  if (ctx.positioned) options.physics = {enabled: false};
  var network = new vis.Network(ctx.container, {nodes: [], edges: []}, options);
  var settled = false;
  function settle() {
    if (settled) return;
    settled = true;
    network.setOptions({physics: {enabled: false}});
    ctx.onSettled();
  }
  network.on("afterDrawing", function () { ctx.onFirstFrame(); });
  if (ctx.positioned || ctx.nodes.length === 0) {
    setTimeout(function () { network.redraw(); settle(); }, 0);
  } else {
    network.on("stabilizationProgress", function (p) {
      var status = document.getElementById("sc-status");
      status.textContent = "Laying out\u2026 " + Math.round(100 * p.iterations / p.total) + "%";
    });
    network.on("stabilizationIterationsDone", settle);
  }
  network.setData({nodes: nodesView, edges: edgesView});
  if (!ctx.positioned && ctx.nodes.length) {
    var started = false;
    network.on("afterDrawing", function () {
      if (started || settled) return;
      started = true;
      setTimeout(function () { if (!settled && network.physics.stabilizationIterations === 0) network.stabilize(options.physics.stabilization.iterations); }, 0);
    });
  }
  network.on("click", function (params) {
    if (params.nodes.length) ctx.onClickNode(params.nodes[0]);
    else if (params.edges.length) ctx.onClickEdge(params.edges[0]);
  });
  network.on("dragEnd", function (params) { if (params.nodes.length) ctx.onMoved(); });

  var lastFocusKey = "";
  function focusKey(focus) {
    if (!focus) return "";
    return Array.from(focus.nodes).sort().join("|") + "#" + Array.from(focus.edges).sort().join("|");
  }
  var adapter = {
    network: network, nodes: nodes, edges: edges, nodesView: nodesView, edgesView: edgesView,
    apply: function (view) {
      current = view;
      var key = focusKey(view.focus);
      if (key !== lastFocusKey) {
        lastFocusKey = key;
        var f = view.focus;
        nodes.update(ctx.nodes.map(function (n) {
          var item = nodeItem(n, !f ? "plain" : (f.nodes.has(n.id) ? "strong" : "dim"));
          if (!item.scaling) item.scaling = ctx.options.nodes.scaling;
          delete item.x; delete item.y;
          return item;
        }));
        edges.update(ctx.edges.map(function (e) {
          return edgeItem(e, !f ? "plain" : (f.edges.has(e.id) ? "strong" : "dim"));
        }));
      }
      nodesView.refresh();
      edgesView.refresh();
    },
    drawn: function () {
      var shownNodes = network.body.nodeIndices.slice(), shownEdges = network.body.edgeIndices.slice();
      return {
        nodes: shownNodes, edges: shownEdges,
        strongNodes: shownNodes.filter(function (id) { return nodes.get(id).strong; }),
        strongEdges: shownEdges.filter(function (id) { return edges.get(id).strong; }),
        labelledNodes: shownNodes.filter(function (id) {
          var item = nodes.get(id);
          return item.strong && item.label === ctx.byId[id].label;
        }),
        nodeStyle: function (id) {
          var item = nodes.get(id);
          return {shape: item.shape, color: item.color.background, border: item.color.border, opacity: item.opacity};
        }
      };
    },
    positions: function () {
      var raw = network.getPositions();
      var out = {};
      Object.keys(raw).forEach(function (id) {
        if (!ctx.byId[id] || ctx.byId[id].pseudo) return;
        out[id] = [Math.round(raw[id].x * 10) / 10, Math.round(raw[id].y * 10) / 10];
      });
      return out;
    },
    setPositions: function (map) {
      Object.keys(map).forEach(function (id) {
        if (nodesView.get(id)) network.moveNode(id, map[id][0], map[id][1]);
        nodes.update({id: id, x: map[id][0], y: map[id][1]});
      });
      network.redraw();
    },
    fit: function (ids) {
      var shown = ids ? ids.filter(function (id) { return current.nodes.has(id); }) : null;
      if (shown && !shown.length) return;
      network.fit({nodes: shown || undefined, maxZoomLevel: 1.0,
                   animation: {duration: 300, easingFunction: "easeInOutQuad"}});
    },
    select: function (id) {
      network.selectNodes([id]);
      network.focus(id, {scale: 1.3, animation: {duration: 300}});
    },
    selected: function () { return network.getSelectedNodes(); },
    screenPoint: function (id) {
      var p = network.canvasToDOM(network.getPosition(id));
      var box = ctx.container.getBoundingClientRect();
      return {x: Math.round(p.x + box.left), y: Math.round(p.y + box.top)};
    }
  };
  return adapter;
};
