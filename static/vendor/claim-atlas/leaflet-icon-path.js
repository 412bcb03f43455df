/* Loaded right after leaflet.js by geo/mapping/assets.py: point Leaflet's default marker icon at the
   vendored images, relative to this script's own URL (a no-op when the script is inlined). */
(function () {
  var src = document.currentScript && document.currentScript.src;
  if (window.L && src) {
    L.Icon.Default.imagePath = new URL("../leaflet@1.9.4/dist/images/", src).href;
  }
})();
