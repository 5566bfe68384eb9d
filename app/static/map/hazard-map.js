/* SafeLoop hazard map (风险隐患一张图): Leaflet + markercluster, all served by the app itself.
 * Layers: region outlines, enterprises, hazards (points clustered in the browser, or the
 * server's per-cell aggregates when too many are in view). No tile layer unless configured. */
(function () {
  "use strict";
  var el = document.getElementById("sl-map");
  if (!el) { return; }
  var cfg = JSON.parse(el.getAttribute("data-config"));
  // maxZoom: without a tile layer Leaflet has none, and marker clustering needs one.
  var map = L.map(el, {zoomSnap: 1, maxZoom: 19});
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, {attribution: cfg.tileAttribution, maxZoom: 19}).addTo(map);
  }
  map.setView([cfg.center[1], cfg.center[0]], cfg.zoom);

  function query(extra) {
    var params = new URLSearchParams(new FormData(document.getElementById("sl-map-filter")));
    params.set("display", cfg.display);
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    Array.from(params.keys()).forEach(function (k) { if (!params.get(k)) { params.delete(k); } });
    return params.toString();
  }
  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); });
  }
  function bbox() {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) {
      return Math.max(-180, Math.min(180, v)).toFixed(6);
    }).join(",");
  }

  var outlines = L.geoJSON(null, {
    style: function (f) {
      var district = f.properties.level === "district";
      return {color: district ? "#555" : "#2a6ebb", weight: district ? 3 : 2, fill: !district, fillOpacity: 0.04};
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
  }).addTo(map);
  var enterprises = L.geoJSON(null, {
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, {radius: 4, color: "#666", weight: 1, fillColor: "#ccc", fillOpacity: 0.9});
    },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
  }).addTo(map);
  var clustered = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50});
  var cells = L.layerGroup();
  var hazards = L.layerGroup([clustered, cells]).addTo(map);
  L.control.layers(null, (function () {
    var layers = {};
    layers[cfg.labels.hazards] = hazards;
    layers[cfg.labels.enterprises] = enterprises;
    layers[cfg.labels.outlines] = outlines;
    return layers;
  })()).addTo(map);

  function pointIcon(p) {
    var css = "sl-pt sl-" + p.grade + (p.state === "closed" ? " sl-closed" : "") + (p.overdue ? " sl-overdue" : "");
    return L.divIcon({className: "", html: '<span class="' + css + '"></span>', iconSize: [16, 16]});
  }
  function cellIcon(p) {
    var css = "sl-cell" + (p.major ? " sl-cell-major" : "") + (p.overdue ? " sl-cell-overdue" : "");
    var size = 26 + Math.min(30, Math.round(Math.log(p.count + 1) * 5));
    return L.divIcon({className: "", html: '<div class="' + css + '" style="width:' + size + "px;height:" + size + "px;line-height:" + size + 'px">' + p.count + "</div>", iconSize: [size, size]});
  }

  var pending = 0;
  function loadHazards() {
    var ticket = ++pending;
    getJSON(cfg.urls.hazards + "?" + query({bbox: bbox(), zoom: map.getZoom()})).then(function (data) {
      if (ticket !== pending) { return; }
      clustered.clearLayers();
      cells.clearLayers();
      (data.features || []).forEach(function (f) {
        var c = f.geometry.coordinates, p = f.properties;
        if (p.cluster) {
          L.marker([c[1], c[0]], {icon: cellIcon(p)}).on("click", function () {
            map.setView([c[1], c[0]], Math.min(map.getZoom() + 2, 19));
          }).addTo(cells);
        } else {
          L.marker([c[1], c[0]], {icon: pointIcon(p), title: p.code + " " + p.title})
            .on("click", function () { window.location.href = p.url; }).addTo(clustered);
        }
      });
      document.getElementById("sl-map-total").textContent = data.total;
      el.setAttribute("data-hazards", String(data.total));
      el.setAttribute("data-mode", data.mode);
      el.setAttribute("data-drawn", "1");
    });
  }

  getJSON(cfg.urls.regions + "?" + query()).then(function (data) {
    outlines.addData(data);
    el.setAttribute("data-outlines", String(data.features.length));
    if (data.features.length) { map.fitBounds(outlines.getBounds(), {padding: [10, 10]}); }
    getJSON(cfg.urls.enterprises + "?" + query()).then(function (e) { enterprises.addData(e); });
    loadHazards();
    map.on("moveend", loadHazards);
  });
  document.getElementById("sl-map-filter").addEventListener("submit", function (ev) {
    ev.preventDefault();
    loadHazards();
  });
})();
