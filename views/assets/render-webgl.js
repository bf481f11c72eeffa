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
  /* One graphology edge per pair of entities and direction: parallel links are drawn
   * once (arrows keep their direction when a chain is focused), and the pair's card
   * lists each of them. A simple (not multi) graph
   * also builds several times faster than a multi-graph at 150,000 links. */
  var graph = new graphology.Graph({type: "directed", multi: false, allowSelfLoops: true});
  var current = ctx.initial;
  var big = ctx.nodes.length > 1000 || ctx.edges.length > 3000;
  /* SwiftShader fills each node's square of pixels: at 50,000 nodes the overview's fill was
   * most of a frame (190 ms at half the sizes: 80 ms). Nodes of a large graph shrink with its
   * size, down to 0.45 at 25,000 and more: at overview zoom they overlap less, and grow as
   * the camera comes closer (sigma scales sizes by the square root of the zoom). */
  var shrink = big ? Math.max(0.45, Math.min(1, Math.sqrt(5000 / ctx.nodes.length))) : 1;
  function nodeSize(n) { return n.pseudo ? 6 : shrink * (2.5 + Math.min(11, Math.sqrt(n.value || 0) * (big ? 0.9 : 1.6))); }
  /* large graphs: the biggest first, so that the nodes drawn while moving are the hubs */
  var insertion = ctx.nodes.map(function (n, i) { return i; });
  if (big) insertion.sort(function (a, b) { return nodeSize(ctx.nodes[b]) - nodeSize(ctx.nodes[a]) || a - b; });
  insertion.forEach(function (i) {
    var n = ctx.nodes[i];
    var angle = i * 2.399963;
    var x = typeof n.x === "number" ? n.x : 30 * Math.sqrt(i) * Math.cos(angle);
    var y = typeof n.y === "number" ? n.y : 30 * Math.sqrt(i) * Math.sin(angle);
    graph.addNode(n.id, {x: x, y: -y, size: nodeSize(n), color: n.color, label: n.label,
                         hidden: !current.nodes.has(n.id), highlighted: false, forceLabel: false,
                         type: "circle", zIndex: 0});
  });
  /* pair number n is graph edge "p" + n; each link object knows its pair's number (.pair) */
  var pairList = [];   /* pair number -> the link ids it draws, in the data's order */
  var pairKeys = [];
  var pairHidden = []; /* pair number -> hidden now */
  var byEnds = new Map();
  ctx.edges.forEach(function (e) {
    var ends = e.ends === undefined ? e.from + "\u0001" + e.to : e.ends, n = byEnds.get(ends);
    if (n === undefined) {
      n = pairKeys.length;
      byEnds.set(ends, n);
      pairKeys.push("p" + n);
      pairList.push([]);
    }
    pairList[n].push(e.id);
    e.pair = n;
  });
  function members(key) { return pairList[+key.slice(1)]; }
  /* what a pair looks like: its first shown link's colour, solid if one shown link is confirmed */
  function pairLook(key, view) {
    var ids = members(key), first = null, confirmed = false;
    for (var i = 0; i < ids.length; i++) {
      if (!view.edges.has(ids[i])) continue;
      var e = ctx.edgeById[ids[i]];
      if (!first) first = e;
      if (e.confirmed) confirmed = true;
    }
    /* every attribute sigma would otherwise add to each of 150,000 copies, in one fixed order */
    if (!first) return {color: ctx.edgeById[ids[0]].color, size: 1, label: "", hidden: true,
                        forceLabel: false, type: "line", zIndex: 0};
    return {color: confirmed ? first.color : first.color + "99",
            size: (confirmed ? 1.4 : 0.8) + (ids.length > 1 ? 0.6 : 0), label: "", hidden: false,
            forceLabel: false, type: "line", zIndex: 0};
  }
  /* Large graphs: graphology (and so sigma's per-edge processing: a copy, the reducer, the
   * defaults and a cache entry for each of 150,000) holds only the pairs sigma must treat
   * one by one: the "+N more" stand-ins' and, while a chain is focused, its pairs (arrows,
   * labels). Every other shown pair is drawn by the bulk layer below, straight from arrays. */
  var pairSrc = new Int32Array(pairKeys.length), pairTgt = new Int32Array(pairKeys.length);
  var pairColor = new Array(pairKeys.length);
  var pairInGraph = new Uint8Array(pairKeys.length);
  var nodeIndex = new Map();
  ctx.nodes.forEach(function (n, i) { nodeIndex.set(n.id, i); });
  var held = new Set();  /* large graphs: the focused pairs graphology holds for now */
  function pseudoPair(n) { return !!ctx.edgeById[pairList[n][0]].pseudo; }
  pairKeys.forEach(function (key, n) {
    var e = ctx.edgeById[pairList[n][0]], look = pairLook(key, current);
    pairHidden[n] = look.hidden;
    pairColor[n] = look.color;
    pairSrc[n] = nodeIndex.get(e.from);
    pairTgt[n] = nodeIndex.get(e.to);
    if (!big || pseudoPair(n)) {
      graph.addDirectedEdgeWithKey(key, e.from, e.to, look);
      pairInGraph[n] = 1;
    }
  });
  function shownLinks(key) { return members(key).filter(function (id) { return current.edges.has(id); }); }

  /* Highlighted nodes (a focused chain's, the selected one) are drawn in their kind's shape
   * with ipysigma's pictogram program: a white silhouette of the shape, as an inline SVG
   * image, tinted with the kind's colour. Every other node stays a disc (the cheapest). */
  function shapePoints(shape) {
    var pts = [], i, a;
    if (shape === "star") {
      for (i = 0; i < 10; i++) { a = -Math.PI / 2 + Math.PI / 5 * i; pts.push([(i % 2 ? 0.42 : 1) * Math.cos(a), (i % 2 ? 0.42 : 1) * Math.sin(a)]); }
    } else if (shape === "diamond") pts = [[0, -1], [0.8, 0], [0, 1], [-0.8, 0]];
    else if (shape === "triangle") pts = [[0, -0.95], [0.95, 0.75], [-0.95, 0.75]];
    else if (shape === "triangleDown") pts = [[0, 0.95], [0.95, -0.75], [-0.95, -0.75]];
    else if (shape === "square" || shape === "box") pts = [[-0.78, -0.78], [0.78, -0.78], [0.78, 0.78], [-0.78, 0.78]];
    else if (shape === "database") pts = [[-0.75, -0.95], [0.75, -0.95], [0.75, 0.95], [-0.75, 0.95]];
    else if (shape === "hexagon") {
      for (i = 0; i < 6; i++) { a = Math.PI / 3 * i; pts.push([0.95 * Math.cos(a), 0.95 * Math.sin(a)]); }
    } else if (shape === "ellipse") {
      for (i = 0; i < 24; i++) { a = Math.PI / 12 * i; pts.push([Math.cos(a), 0.62 * Math.sin(a)]); }
    } else return null;
    return pts;
  }
  var shapeImages = {};
  function shapeImage(shape) {
    if (shape in shapeImages) return shapeImages[shape];
    var pts = shapePoints(shape);
    var body = pts ? '<polygon fill="#fff" points="' + pts.map(function (p) {
      return (64 + 60 * p[0]).toFixed(1) + "," + (64 + 60 * p[1]).toFixed(1);
    }).join(" ") + '"/>' : '<circle fill="#fff" cx="64" cy="64" r="60"/>';
    shapeImages[shape] = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(
      '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128" viewBox="0 0 128 128">' + body + "</svg>");
    return shapeImages[shape];
  }
  /* sigma uploads every program's whole vertex array to the GPU on every frame (3.6 MB
   * for 150,000 lines), though it only changes when the graph is reprocessed: a camera
   * move needs new uniforms, not new vertices. These programs upload after a change only. */
  function uploadOnce(Base) {
    function Program(gl, renderer) { Base.call(this, gl, renderer); this.stale = true; }
    Program.prototype = Object.create(Base.prototype);
    Program.prototype.constructor = Program;
    Program.prototype.reallocate = function () {
      this.stale = true;
      return Base.prototype.reallocate.apply(this, arguments);
    };
    Program.prototype.process = function () {
      this.stale = true;
      return Base.prototype.process.apply(this, arguments);
    };
    Program.prototype.render = function (params) {
      if (this.hasNothingToRender()) return;
      this.bind();
      if (this.stale) { this.bufferData(); this.stale = false; }
      this.gl.useProgram(this.program);
      this.draw(params);
    };
    return Program;
  }
  var programs = window.sigmaPrograms || {};
  var nodePrograms = {};
  if (programs.point) nodePrograms.circle = uploadOnce(programs.point);
  if (programs.pictogram) nodePrograms.shape = programs.pictogram({keepWithinCircle: false});
  var edgePrograms = {};
  if (big && programs.line) edgePrograms.line = uploadOnce(programs.line);  /* one-pixel lines: a third of the vertices */

  /* Large graphs are drawn progressively. SwiftShader needs 0.5-2.5 s to draw 150,000
   * lines across the screen and 0.07-0.2 s for 50,000 nodes, and the software compositor
   * waits for it within the frame. So each sigma render draws a first chunk of the nodes,
   * and the following animation frames draw one chunk each, the nodes' rest, then the
   * links (the edges and nodes layers keep their drawing buffers between frames, so the
   * chunks add up to the whole picture). A chunk is sized from the time the last one of
   * its layer took (reading one pixel back waits until it is drawn), within a budget per
   * frame; any new render (a move, a filter) starts again. While the camera moves, only
   * the first nodes that fit the budget (the biggest: large graphs are inserted biggest
   * first) are drawn, and no links, as sigma's hideEdgesOnMove did: at rest every node
   * and every shown link is drawn (picture() says when). */
  var DIM = "#eef0f2";
  var budget = {ms: 30};  /* per frame; tests shrink it with tune() */
  var bulk = {program: null, dirty: true, order: null};
  var layers = {
    nodes: {program: null, pass: null, msPerItem: 0.003, lastN: 8000, minChunk: 2000, verticesPerItem: 1},
    links: {program: null, pass: null, msPerItem: 0.004, lastN: 4000, minChunk: 2000, verticesPerItem: 2}
  };
  var picture = {frame: null, passes: 0, lastPassMs: null, completeAtMs: null, start: null};
  function fillBulk(prog) {
    var cache = prog.renderer.nodeDataCache, data = new Array(ctx.nodes.length), i, n, k = 0;
    for (i = 0; i < ctx.nodes.length; i++) data[i] = cache[ctx.nodes[i].id];
    var order = [];
    for (n = 0; n < pairKeys.length; n++) {
      if (pairHidden[n] || pairInGraph[n]) continue;
      var a = data[pairSrc[n]], b = data[pairTgt[n]];
      if (!a || !b || a.hidden || b.hidden) continue;
      order.push(n);
    }
    programs.line.prototype.reallocate.call(prog, order.length);
    var look = {color: null};
    for (k = 0; k < order.length; k++) {
      n = order[k];
      look.color = current.focus ? DIM : pairColor[n];
      prog.processVisibleItem(k * prog.STRIDE, data[pairSrc[n]], data[pairTgt[n]], look);
    }
    bulk.order = order;
    bulk.dirty = false;
    prog.stale = true;
  }
  function cancelPicture() {
    if (picture.frame !== null) cancelAnimationFrame(picture.frame);
    picture.frame = null;
    layers.nodes.pass = layers.links.pass = null;
  }
  function moving(r) {
    var c = r.getMouseCaptor();
    return !!(r.getCamera().isAnimated() || c.isMoving || c.draggedEvents || c.currentWheelDirection);
  }
  function items(layer) { return layer.program.verticesCount / layer.verticesPerItem; }
  function pending(layer) { return layer.pass && !layer.pass.sketch && layer.pass.next < items(layer); }
  var pixel = new Uint8Array(4);
  /* one chunk of a layer, within allowance ms; the programs sigma fills one by one (shapes,
   * arrows, the stand-ins' lines) are drawn again over it */
  function drawChunk(layer, allowance) {
    var prog = layer.program, pass = layer.pass, gl = prog.gl, t = performance.now();
    var n = Math.min(items(layer) - pass.next, 2 * layer.lastN,
                     Math.max(layer.minChunk, Math.round(allowance / layer.msPerItem)));
    if (n > 0) {
      prog.bind();
      if (prog.stale) { prog.bufferData(); prog.stale = false; }
      gl.useProgram(prog.program);
      var u = prog.uniformLocations, params = pass.params;
      if (layer === layers.nodes) {
        gl.uniform1f(u.u_sizeRatio, params.sizeRatio);
        gl.uniform1f(u.u_pixelRatio, params.pixelRatio);
        gl.uniformMatrix3fv(u.u_matrix, false, params.matrix);
        gl.drawArrays(gl.POINTS, pass.next, n);
      } else {
        gl.uniformMatrix3fv(u.u_matrix, false, params.matrix);
        gl.drawArrays(gl.LINES, pass.next * 2, n * 2);
      }
    }
    pass.next += n;
    pass.chunks += 1;
    var others = layer === layers.nodes ? prog.renderer.nodePrograms : prog.renderer.edgePrograms;
    for (var type in others) if (others[type] !== prog) others[type].render(pass.params);
    gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
    var ms = performance.now() - t;
    if (n >= layer.minChunk) { layer.msPerItem = Math.max(1e-5, ms / n); layer.lastN = n; }
    return ms;
  }
  function whole() {
    return !!(layers.nodes.pass && layers.links.pass && !layers.nodes.pass.sketch &&
              !pending(layers.nodes) && !pending(layers.links));
  }
  function continuePicture() {
    picture.frame = null;
    /* sigma has a render waiting for this same frame (a move): it starts the picture again */
    var r = layers.nodes.program.renderer;
    if (r.renderFrame || r.renderHighlightedNodesFrame) { schedulePicture(); return; }
    var layer = pending(layers.nodes) ? layers.nodes : pending(layers.links) ? layers.links : null;
    if (layer) drawChunk(layer, budget.ms);
    schedulePicture();
  }
  function schedulePicture() {
    if (picture.frame !== null) return;
    if (pending(layers.nodes) || pending(layers.links)) {
      picture.frame = requestAnimationFrame(continuePicture);
    } else if (layers.nodes.pass && layers.nodes.pass.sketch) {
      /* drawn while moving: once the camera rests, the whole picture (sigma may not ask) */
      var r = layers.nodes.program.renderer;
      picture.frame = requestAnimationFrame(function () {
        picture.frame = null;
        if (moving(r)) schedulePicture(); else r.scheduleRender();
      });
    } else if (whole() && !layers.links.pass.counted) {
      layers.links.pass.counted = true;
      picture.passes += 1;
      picture.lastPassMs = performance.now() - picture.start;
      if (picture.completeAtMs === null) picture.completeAtMs = performance.now();
    }
  }
  function progressive(Base, layer, setup) {
    function Program(gl, renderer) {
      Base.call(this, gl, renderer);
      this.stale = true;
      layer.program = this;
    }
    Program.prototype = Object.create(Base.prototype);
    Program.prototype.constructor = Program;
    setup(Program.prototype);
    Program.prototype.render = function (params) {
      if (this.fill) this.fill();
      var first = layer === layers.nodes;
      if (first) { cancelPicture(); picture.start = performance.now(); }
      var pass = layer.pass = {params: params, next: 0, chunks: 0, sketch: moving(this.renderer), counted: false};
      /* a link's cost follows its length on screen, which the zoom changes: each picture's
       * first chunk of links is small, measured, and the next ones at most double */
      if (!first) layer.lastN = Math.min(layer.lastN, layer.minChunk);
      /* in sigma's frame: the nodes' first chunk; the links' too if every node fitted in */
      if (first || !pending(layers.nodes)) {
        if (items(layer) && !(pass.sketch && !first)) drawChunk(layer, first ? budget.ms : budget.ms / 2);
      }
      schedulePicture();
    };
    return Program;
  }
  if (big && programs.point) {
    nodePrograms.circle = progressive(programs.point, layers.nodes, function (proto) {
      proto.reallocate = function () { this.stale = true; return programs.point.prototype.reallocate.apply(this, arguments); };
      proto.process = function () { this.stale = true; return programs.point.prototype.process.apply(this, arguments); };
    });
  }
  if (big && programs.line) {
    edgePrograms.bulk = progressive(programs.line, layers.links, function (proto) {
      /* sigma's pass asks every program for room for its graph edges (none are "bulk"):
       * that is the sign its node data is fresh, and the layer is refilled before drawing */
      proto.reallocate = function () { bulk.dirty = true; };
      proto.process = function () {};
      proto.fill = function () { if (bulk.dirty) fillBulk(this); };
    });
    bulk.program = true;
  }

  var selectedId = null;
  var hoveredId = null;
  function strongNode(id) { return current.focus ? current.focus.nodes.has(id) : false; }
  function strongEdge(key) {
    if (!current.focus) return false;
    return members(key).some(function (id) { return current.focus.edges.has(id); });
  }
  function strongLink(key) {
    return members(key).find(function (id) { return current.focus.edges.has(id); });
  }

  function drawLabel(context, data, settings) {
    if (!data.label) return;
    var size = data.strong ? 14 : settings.labelSize;
    var x = data.x + data.size + 3, y = data.y + size / 3;
    if ((data.strong || data.selected) && data.shapeName) {
      /* the kind's shape again, on a white disc, over whatever is drawn around it: in a dense
       * graph, neighbours as big as the node filled the star's notches and hid it (seen at
       * 50,000 nodes); the WebGL pictogram stays underneath, and is all that shows while moving */
      context.beginPath();
      context.arc(data.x, data.y, data.size + 1.5, 0, Math.PI * 2);
      context.fillStyle = "#ffffff";
      context.fill();
      var pts = shapePoints(data.shapeName);
      context.beginPath();
      if (pts) {
        pts.forEach(function (pt, i) {
          var px = data.x + pt[0] * data.size, py = data.y + pt[1] * data.size;
          if (i) context.lineTo(px, py); else context.moveTo(px, py);
        });
        context.closePath();
      } else context.arc(data.x, data.y, data.size, 0, Math.PI * 2);
      context.fillStyle = data.kindColor;
      context.fill();
    }
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

  /* the nodes layer, drawn over several frames, keeps its drawing buffer as the edges' does */
  var createContext = Sigma.prototype.createWebGLContext;
  if (big) {
    Sigma.prototype.createWebGLContext = function (id, options) {
      return createContext.call(this, id, id === "nodes" ? Object.assign({}, options, {preserveDrawingBuffer: true}) : options);
    };
  }
  var renderer;
  try {
  renderer = new Sigma(graph, ctx.container, {
    hideEdgesOnMove: big,
    hideLabelsOnMove: big,
    renderEdgeLabels: false,
    /* sigma looks for an edge under the pointer on every mouse down by reading back a pixel
     * and testing every edge: seconds per drag at 150,000 links. Large graphs find the
     * clicked pair themselves, on a click only (see clickStage below). */
    enableEdgeClickEvents: !big,
    enableEdgeHoverEvents: !big,
    labelRenderedSizeThreshold: big ? 11 : 7,
    labelDensity: big ? 0.3 : 1,
    labelFont: "system-ui, sans-serif",
    defaultEdgeType: "line",
    nodeProgramClasses: nodePrograms,
    /* the hovered and highlighted few are drawn whole, by sigma's own programs */
    nodeHoverProgramClasses: big && programs.point ? {circle: programs.point} : {},
    edgeProgramClasses: edgePrograms,
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
        out.shapeName = n.pseudo ? null : n.shape;
        out.size = Math.max(attrs.size, 9);
        if (nodePrograms.shape && !n.pseudo) {
          out.type = "shape";
          out.pictogram = shapeImage(n.shape);
          out.pictogramColor = n.color;
        }
      } else if (current.focus) {
        out.color = "#dfe3e6";
        /* small: zoomed in on a chain, the rest's discs grow with the zoom and (the nodes
         * layer being above the links') covered the chain's arrows but for slivers */
        if (big) out.size = Math.min(attrs.size, 1.5);
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
        var link = ctx.edgeById[strongLink(id)];
        out.strong = true;
        out.size = 3.5;
        out.type = "arrow";
        out.zIndex = 2;
        out.color = link.color;
        out.label = link.relType;
        out.forceLabel = true;
      } else {
        out.color = "#eef0f2";
        out.label = null;
        out.zIndex = 0;
      }
      return out;
    }
  });
  } finally {
    Sigma.prototype.createWebGLContext = createContext;
  }
  renderer.on("beforeRender", cancelPicture);
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
    var ids = shownLinks(ev.edge);
    if (!ids.length) return;
    var a = renderer.graphToViewport(graph.getNodeAttributes(graph.source(ev.edge)));
    var b = renderer.graphToViewport(graph.getNodeAttributes(graph.target(ev.edge)));
    showTip(ctx.linksCard(ids), (a.x + b.x) / 2, (a.y + b.y) / 2);
  });
  renderer.on("leaveEdge", function () { tip.hidden = true; });
  renderer.on("clickNode", function (ev) { ctx.onClickNode(ev.node); });
  function clickPair(key) {
    var ids = shownLinks(key);
    if (ids.length === 1) ctx.onClickEdge(ids[0]);
    else if (ids.length) ctx.onClickLinks(ids);
  }
  renderer.on("clickEdge", function (ev) { clickPair(ev.edge); });
  /* large graphs: the shown pair nearest a click, within 4 pixels, tested on the click alone */
  function pairAt(x, y) {
    var p = renderer.viewportToGraph({x: x, y: y});
    var q = renderer.viewportToGraph({x: x + 4, y: y});
    var tolerance = Math.abs(q.x - p.x) + Math.abs(q.y - p.y), best = null, bestD = tolerance;
    pairKeys.forEach(function (key, n) {
      if (pairHidden[n]) return;
      var sa = graph.getNodeAttributes(ctx.nodes[pairSrc[n]].id), ta = graph.getNodeAttributes(ctx.nodes[pairTgt[n]].id);
      if (sa.hidden || ta.hidden) return;
      var dx = ta.x - sa.x, dy = ta.y - sa.y, len = dx * dx + dy * dy;
      var u = len ? Math.max(0, Math.min(1, ((p.x - sa.x) * dx + (p.y - sa.y) * dy) / len)) : 0;
      var ex = sa.x + u * dx - p.x, ey = sa.y + u * dy - p.y, d = Math.sqrt(ex * ex + ey * ey);
      if (d <= bestD) { bestD = d; best = key; }
    });
    return best;
  }
  renderer.on("clickStage", function (ev) {
    if (!big) return;
    var key = pairAt(ev.event.x, ev.event.y);
    if (key) clickPair(key);
  });
  /* sigma's mouse captor fully reprocesses the graph (every node and edge) on each mouse
   * up, only to redraw the edges hidden while moving: at 50,000 nodes that was seconds
   * per drag. It is handed a renderer whose refresh redraws without reprocessing. */
  var captor = renderer.getMouseCaptor();
  var facade = {};
  for (var method in renderer) {
    if (typeof renderer[method] === "function") facade[method] = renderer[method].bind(renderer);
  }
  facade.refresh = function () { renderer.scheduleRender(); return renderer; };
  captor.renderer = facade;

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
      var looks = [], bulkChanged = false;
      pairKeys.forEach(function (key, n) {
        var look = looks[n] = pairLook(key, view);
        if (pairInGraph[n]) {
          var a = graph.getEdgeAttributes(key);
          if (a.hidden !== look.hidden || a.color !== look.color || a.size !== look.size) changed = true;
        } else if (pairHidden[n] !== look.hidden || pairColor[n] !== look.color) bulkChanged = true;
        pairHidden[n] = look.hidden;
        pairColor[n] = look.color;
      });
      if (big) {
        /* graphology holds a focused chain's pairs (drawn as labelled arrows), the bulk layer the rest */
        var want = new Set();
        if (view.focus) view.focus.edges.forEach(function (id) { want.add(ctx.edgeById[id].pair); });
        held.forEach(function (n) {
          if (want.has(n)) return;
          graph.dropEdge(pairKeys[n]);
          pairInGraph[n] = 0;
          held.delete(n);
          changed = true;
        });
        want.forEach(function (n) {
          if (pairInGraph[n]) return;
          var e = ctx.edgeById[pairList[n][0]];
          graph.addDirectedEdgeWithKey(pairKeys[n], e.from, e.to, looks[n]);
          pairInGraph[n] = 1;
          held.add(n);
          changed = true;
        });
      }
      if (changed) {
        graph.updateEachNodeAttributes(function (id, attrs) {
          attrs.hidden = !view.nodes.has(id);
          return attrs;
        }, {attributes: ["hidden"]});
        graph.updateEachEdgeAttributes(function (key, attrs) {
          var look = looks[+key.slice(1)];
          attrs.hidden = look.hidden;
          attrs.color = look.color;
          attrs.size = look.size;
          return attrs;
        }, {attributes: ["hidden", "color", "size"]});
      }
      var labels = !!view.focus;
      var relabel = renderer.getSetting("renderEdgeLabels") !== labels;
      if (relabel) {
        renderer.setSetting("renderEdgeLabels", labels);
        renderer.setSetting("zIndex", labels);  /* sorting by depth only matters with a focus */
      }
      if (relabel || changed || focusChanged) renderer.refresh();  /* now, not next frame */
      else if (bulkChanged) { bulk.dirty = true; renderer.render(); }  /* nodes unchanged: no pass */
    },
    drawn: function () {
      var shownNodes = graph.filterNodes(function (id, a) { return !a.hidden; });
      /* the links drawn: those shown whose pair is drawn (a pair is drawn while one of its links is) */
      var shownEdges = ctx.edges.filter(function (e) {
        return current.edges.has(e.id) && !pairHidden[e.pair];
      }).map(function (e) { return e.id; });
      return {
        nodes: shownNodes, edges: shownEdges,
        /* only a focused chain's items can be strong: ask sigma about those, not all 50,000 */
        strongNodes: candidates("nodes").filter(function (id) { var d = renderer.getNodeDisplayData(id); return d && d.strong; }),
        strongEdges: candidates("edges").filter(function (id) {
          var d = renderer.getEdgeDisplayData(pairKeys[ctx.edgeById[id].pair]);
          return d && d.strong;
        }),
        labelledNodes: candidates("nodes").filter(function (id) {
          var d = renderer.getNodeDisplayData(id);
          return d && d.strong && d.forceLabel && d.label === ctx.byId[id].label;
        }),
        nodeStyle: function (id) {
          var d = renderer.getNodeDisplayData(id);
          var n = ctx.byId[id];
          /* drawnAs: the shape on screen (highlighted nodes in their kind's, the others discs) */
          return {shape: n.shape, drawnAs: d.type === "shape" ? n.shape : "dot", glyph: d.glyph || null,
                  color: d.type === "shape" ? d.pictogramColor : n.color, border: n.border, opacity: 1};
        }
      };
    },
    /* the edges layer's progress: pairs in the bulk layer, how many the current picture has
     * drawn so far, whether it is whole (always, for graphs small enough to draw at once) */
    picture: function () {
      if (!bulk.program) return {bulkPairs: 0, drawnPairs: 0, nodes: 0, drawnNodes: 0, complete: true,
                                 passes: 0, lastPassMs: null, completeAtMs: null};
      var n = layers.nodes.pass, l = layers.links.pass;
      return {bulkPairs: items(layers.links), drawnPairs: l && !l.sketch ? l.next : 0,
              nodes: items(layers.nodes), drawnNodes: n ? n.next : 0, complete: whole(),
              passes: picture.passes, lastPassMs: picture.lastPassMs, completeAtMs: picture.completeAtMs,
              chunks: (n ? n.chunks : 0) + (l ? l.chunks : 0)};
    },
    /* smaller chunks (tests: a graph of a few thousand would otherwise be drawn in one) */
    tune: function (opts) {
      if (opts.budgetMs !== undefined) budget.ms = opts.budgetMs;
      ["nodes", "links"].forEach(function (name) {
        if (opts.minChunk !== undefined) layers[name].minChunk = opts.minChunk;
        if (opts.chunk !== undefined) { layers[name].lastN = opts.chunk; layers[name].msPerItem = 1e3; }
      });
    },
    /* the pairs of the bulk layer, in the order it draws them */
    bulkOrder: function () {
      return (bulk.order || []).map(function (n) {
        return {pair: pairKeys[n], from: ctx.nodes[pairSrc[n]].id, to: ctx.nodes[pairTgt[n]].id};
      });
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
