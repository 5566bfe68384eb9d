/* The report form's location: a click on the map (region outlines drawn, tiles if configured)
 * or the phone's GPS fills latitude/longitude in WGS-84. With GCJ-02 tiles a click would be
 * off by the display shift, so only GPS is offered then. */
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
  function put(latitude, longitude, show) {
    lat.value = latitude.toFixed(6);
    lon.value = longitude.toFixed(6);
    var details = lat.closest("details");
    if (details) { details.open = true; }
    if (show) {
      if (marker) { marker.setLatLng([latitude, longitude]); } else { marker = L.marker([latitude, longitude]).addTo(map); }
    }
  }
  if (cfg.display === "wgs84") {
    map.on("click", function (e) { put(e.latlng.lat, e.latlng.lng, true); });
  }
  var gps = document.getElementById("sl-gps");
  if (gps && navigator.geolocation) {
    gps.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        put(p.coords.latitude, p.coords.longitude, cfg.display === "wgs84");
      }, function (error) { gps.textContent = gps.getAttribute("data-failed") + " (" + error.message + ")"; },
      {enableHighAccuracy: true, timeout: 15000});
    });
  } else if (gps) { gps.style.display = "none"; }
})();
