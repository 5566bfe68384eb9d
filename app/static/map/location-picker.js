/* The report form's location: a click on the map (region outlines drawn, tiles if configured)
 * or the phone's GPS fills latitude/longitude in WGS-84. With GCJ-02 tiles the server converts
 * between what is drawn and what is stored (/api/v1/map/point), so a click and the marker of a
 * GPS fix land where the tiles show them. */
(function () {
  "use strict";
  var el = document.getElementById("sl-pick-map");
  var lat = document.getElementById("latitude");
  var lon = document.getElementById("longitude");
  if (!el || !lat || !lon) { return; }
  var cfg = JSON.parse(el.getAttribute("data-config"));
  var map = L.map(el, {maxZoom: 19}).setView([cfg.center[1], cfg.center[0]], 13);
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, {attribution: cfg.tileAttribution, maxZoom: 19}).addTo(map);
  }
  fetch(cfg.urls.regions + "?display=" + cfg.display, {credentials: "same-origin"})
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var outlines = L.geoJSON(data, {style: {color: "#2a6ebb", weight: 2, fillOpacity: 0.04}}).addTo(map);
      if (data.features && data.features.length) { map.fitBounds(outlines.getBounds()); }
      el.setAttribute("data-ready", "1");
    });
  var marker = null;
  function put(latitude, longitude, shownLat, shownLon) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    var details = lat.closest("details");
    if (details) { details.open = true; }
    if (marker) { marker.setLatLng([shownLat, shownLon]); } else { marker = L.marker([shownLat, shownLon]).addTo(map); }
  }
  /* The point (lon, lat) given in system `from` ("display" or "wgs84"), then put. */
  function place(lonValue, latValue, from) {
    if (cfg.display === "wgs84") { put(latValue, lonValue, latValue, lonValue); return; }
    var args = new URLSearchParams({lon: lonValue, lat: latValue, from: from, display: cfg.display});
    fetch(cfg.urls.point + "?" + args.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (p) { put(p.wgs84[1], p.wgs84[0], p.display[1], p.display[0]); });
  }
  map.on("click", function (e) { place(e.latlng.lng, e.latlng.lat, "display"); });
  var gps = document.getElementById("sl-gps");
  if (gps && navigator.geolocation) {
    gps.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        place(p.coords.longitude, p.coords.latitude, "wgs84");
      }, function (error) { gps.textContent = gps.getAttribute("data-failed") + " (" + error.message + ")"; },
      {enableHighAccuracy: true, timeout: 15000});
    });
  } else if (gps) { gps.style.display = "none"; }
})();
