/* Runs the webpack module factories that ipysigma's chunks registered, and exposes
 * sigma.js and graphology as window.Sigma and window.graphology, and the two extra WebGL
 * programs the view uses as window.sigmaPrograms (see views/webgl.py). */
(function () {
  "use strict";
  var modules = {};
  (self.webpackChunkipysigma || []).forEach(function (chunk) { Object.assign(modules, chunk[1]); });
  var cache = {};
  function req(id) {
    if (cache[id]) return cache[id].exports;
    if (!modules[id]) throw new Error("statecrime: renderer module missing: " + id);
    var module = cache[id] = {exports: {}};
    modules[id].call(module.exports, module, module.exports, req);
    return module.exports;
  }
  var has = function (o, p) { return Object.prototype.hasOwnProperty.call(o, p); };
  req.o = has;
  req.r = function (e) { Object.defineProperty(e, "__esModule", {value: true}); };
  req.d = function (e, defs) {
    for (var k in defs) if (has(defs, k) && !has(e, k)) Object.defineProperty(e, k, {enumerable: true, get: defs[k]});
  };
  req.n = function (m) {
    var getter = m && m.__esModule ? function () { return m["default"]; } : function () { return m; };
    req.d(getter, {a: getter});
    return getter;
  };
  req.g = self;
  var sigma = req("./node_modules/sigma/index.js");
  window.Sigma = sigma["default"] || sigma.Sigma || sigma;
  window.graphology = req("./node_modules/graphology/dist/graphology.umd.min.js");
  var program = function (path) { var m = req(path); return m["default"] || m; };
  window.sigmaPrograms = {
    line: program("./node_modules/sigma/rendering/webgl/programs/edge.line.js"),
    point: program("./node_modules/sigma/rendering/webgl/programs/node.point.js"),
    pictogram: program("./node_modules/@yomguithereal/sigma-experiments-renderers/node/node.pictogram.js")
  };
  delete self.webpackChunkipysigma;
})();
