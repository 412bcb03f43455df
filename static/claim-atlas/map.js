/* Claim Atlas's own map code: the layers, popups and legends of the map pages.
 *
 * The map elements of geo/mapping/elements.py are small templates that call these functions
 * with their data: script-safe JSON in which every string from an article was HTML-escaped on
 * the server, so the functions here only concatenate it. Served with the rest of static/ by
 * Streamlit, or inlined by the standalone export (geo/mapping/assets.py, offline_map_html). Needs Leaflet (and Leaflet.markercluster for clustered layers), loaded
 * before the map's scripts run.
 */
(function (C) {
    // ------------------------------------------------------------------------- place layers
    /* A layer's data, {p: [properties], g: [geometries]}, as a GeoJSON FeatureCollection. */
    function featureCollection(d) {
        return {type: "FeatureCollection", features: d.g.map(function (g, i) {
            return {type: "Feature", properties: d.p[i], geometry: g};
        })};
    }

    /* One GeoJSON layer styled from a style table (properties.s), with tooltips (properties.tip)
       and popups built on opening (C.popup). marker: circle-marker options of points; options:
       more L.geoJson options (className, attribution, interactive...). */
    C.geojsonLayer = function (styles, marker, options, data) {
        return L.geoJson(null, Object.assign({
            style: function (f) { return styles[(f.properties || {}).s] || {}; },
            pointToLayer: function (f, latlng) {
                return L.circleMarker(latlng, Object.assign({}, marker, styles[(f.properties || {}).s] || {}));
            },
            onEachFeature: function (f, layer) {
                var p = f.properties || {};
                if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
                if (p.n !== undefined) {
                    layer.bindPopup(function () { return C.popup(p); }, {maxWidth: 440, maxHeight: 320});
                }
            }
        }, options)).addData(featureCollection(data));
    };

    /* A reference layer whose data is fetched from static files (urls), each {s: [styles],
       p: [properties], g: [geometries]} as geo/mapping/reference.py writes them (tooltips
       HTML-escaped on the server). The layer is on the map at once, its features come when
       fetched; C.orderReferences then keeps every reference layer under the places, in the order
       the layers were made. options: more L.geoJson options (className, attribution, interactive). */
    C.references = [];
    C.urlLayer = function (options, urls) {
        var layer = L.geoJson(null, Object.assign({
            style: function (f) { return (f.properties || {}).st || {}; },
            onEachFeature: function (f, l) {
                var p = f.properties || {};
                if (p.tip) { l.bindTooltip(p.tip, {sticky: true}); }
            }
        }, options));
        C.references.push(layer);
        layer.on("add", C.orderReferences);
        urls.forEach(function (url) {
            fetch(url).then(function (r) {
                if (!r.ok) { throw new Error(r.status + " " + r.statusText); }
                return r.json();
            }).then(function (d) {
                d.p.forEach(function (p) { p.st = d.s[p.s]; });
                layer.addData(featureCollection(d));
                C.orderReferences();
            }).catch(function (e) { console.warn("Claim Atlas: layer file not loaded", url, e); });
        });
        return layer;
    };

    /* Reference features arrive after the places are drawn (all share one SVG): move every
       reference layer on the map to the back, the last made first, so the first (the basemap)
       ends lowest. */
    C.orderReferences = function () {
        for (var i = C.references.length - 1; i >= 0; i--) {
            if (C.references[i]._map) { C.references[i].bringToBack(); }
        }
    };

    /* The tables the place popups read: article id -> header (source, date, title), and
       precision code -> label. */
    C.popupTables = function (articles, precision) {
        C.articles = articles;
        C.precision = precision;
    };

    C.popup = function (p) {
        // Every string in p and in the tables is HTML-escaped on the server: this only concatenates.
        var A = C.articles || {}, P = C.precision || {};
        var plural = function (n, w) { return n + ' ' + w + (n === 1 ? '' : 's'); };
        var h = '<div class="ca-popup"><b>' + p.n + '</b> <small>(' + p.t + (p.c ? ', ' + p.c : '') + ')</small><br>'
            + '<small>' + plural(p.mc, 'mention') + ' in ' + plural(p.ac, 'article') + ' · precision: ' + (P[p.p] || '')
            + ' · confidence max ' + p.cx.toFixed(2) + ', mean ' + p.cm.toFixed(2) + '</small><ol class="ca-mentions">';
        for (var i = 0; i < p.m.length; i++) {
            var x = p.m[i];  // [article id, sentence html, confidence, precision code, runner-up html, mention id]
            h += '<li>' + (A[x[0]] || '') + '<br>“' + x[1] + '”<br><small>confidence ' + x[2].toFixed(2)
                + ' · precision: ' + (P[x[3]] || '') + (x[4] ? ' · runner-up: ' + x[4] : '')
                + ' · mention #' + x[5] + ', article #' + x[0] + '</small></li>';
        }
        h += '</ol>';
        if (p.mc > p.m.length) {
            h += '<p><small>… and ' + (p.mc - p.m.length) + ' more: select the place to list them all under the map.</small></p>';
        }
        return h + '</div>';
    };

    // ------------------------------------------------------------------------- legends
    /* A legend opens folded on a map smaller than this (px): on a laptop screen it would cover
       the places; a click on its title opens it. */
    C.LEGEND_OPEN_WIDTH = 1000;
    C.LEGEND_OPEN_HEIGHT = 560;

    /* A static legend (our own HTML) in a corner of the map, folded under its title (a <details>
       element: no script needed to open or close it); returns the control. */
    C.legend = function (map, html, position, className, title) {
        var legend = L.control({position: position});
        legend.onAdd = function () {
            var div = L.DomUtil.create("div", className);
            var size = map.getSize();
            var open = size.x >= C.LEGEND_OPEN_WIDTH && size.y >= C.LEGEND_OPEN_HEIGHT;
            div.innerHTML = "<details class='ca-legend-fold'" + (open ? " open" : "") + "><summary>"
                + (title || "Legend") + "</summary>" + html + "</details>";
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
        };
        legend.addTo(map);
        return legend;
    };

    /* The claims' legend, shown while the claims layer is. */
    C.claimLegend = function (map, layer, html, className) {
        var legend = C.legend(map, html, "bottomright", className, "Claims legend");
        map.on("overlayremove", function (e) { if (e.layer === layer) { legend.remove(); } });
        map.on("overlayadd", function (e) { if (e.layer === layer) { legend.addTo(map); } });
        return legend;
    };

    // ------------------------------------------------------------------------- claims
    /* The tables the claim popups read: claim id -> [claimant, as written, date, kind, stance,
       text, disputed by, disputing ids, article id, colour], and article id -> header. */
    C.claimTables = function (claims, articles) {
        C.claims = claims;
        C.claimArticles = articles;
    };

    /* A circle marker drawn a few pixels off its position (claims sharing a spot fan out).
       The class is made on first use, so this file may load before Leaflet. */
    C.offsetCircle = function (latlng, options) {
        if (!C.OffsetCircle) {
            C.OffsetCircle = L.CircleMarker.extend({
                _project: function () {
                    var o = this.options.offset;
                    this._point = this._map.latLngToLayerPoint(this._latlng);
                    if (o) { this._point = this._point.add(L.point(o[0], o[1])); }
                    this._updateBounds();
                }
            });
        }
        return new C.OffsetCircle(latlng, options);
    };

    C.claimsUrl = function (id) {
        // The map runs in streamlit-folium's frame (<base>/component/...): link to the app's page.
        var path = window.location.pathname, cut = path.indexOf('/component/');
        return (cut >= 0 ? path.slice(0, cut) + '/' : '') + 'claims?claim=' + id;
    };

    C.claimPopup = function (p) {
        // Every string here was HTML-escaped on the server: this only concatenates.
        // c: [claimant, as written, date, kind, stance, text, disputed by, disputing ids, article, colour,
        //     reported by N sources (or '')]
        var c = (C.claims || {})[p.claim_id], A = C.claimArticles || {};
        if (!c) { return ''; }
        var h = '<div class="ca-popup ca-claim-popup"><div class="ca-claim-note">A claim attributed to <b>' + c[0]
            + '</b>, as the source reports it: not a verified fact.</div>'
            + '<span style="color:' + c[9] + '">&#9679;</span> <b>' + c[0] + '</b>'
            + (c[1] ? ' <small>(as written: “' + c[1] + '”)</small>' : '') + '<br>'
            + '<small>date: ' + c[2] + ' · kind: ' + c[3] + (c[4] === 'deny' ? ' · a denial' : '') + '</small><br>'
            + '<small>' + (A[c[8]] || '') + '</small>'
            + '<blockquote class="ca-claim-text">“' + c[5] + '”</blockquote>'
            + (c[10] ? '<div class="ca-claim-sources">' + c[10] + '</div>' : '');
        if (c[6]) {
            h += '<div class="ca-claim-dispute">Disputed by ' + c[6];
            for (var i = 0; i < c[7].length; i++) {
                var d = C.claims[c[7][i]];
                h += (i ? '; ' : ': ') + '<a href="' + C.claimsUrl(c[7][i]) + '" target="_blank" rel="noopener">claim #'
                    + c[7][i] + '</a>' + (d ? ' (' + d[0] + ')' : '');
            }
            h += '</div>';
        }
        h += '<small>' + (p.ap ? 'location: article focus (approximate): ' + p.pl + '; the claim names no place'
                                : 'place named in the claim: ' + p.pl)
            + ' · <a href="' + C.claimsUrl(p.claim_id) + '" target="_blank" rel="noopener">claim #' + p.claim_id
            + '</a></small>';
        return h + '</div>';
    };

    /* The claims: one GeoJSON layer of offset circle markers (properties.o), styled from a style
       table (properties.s), with popups built on opening (C.claimPopup). */
    C.claimLayer = function (styles, options, data) {
        return L.geoJson(null, Object.assign({
            pointToLayer: function (f, latlng) {
                var p = f.properties || {};
                return C.offsetCircle(latlng, Object.assign({offset: p.o}, styles[p.s] || {}));
            },
            onEachFeature: function (f, layer) {
                var p = f.properties || {};
                if (p.tip) { layer.bindTooltip(p.tip, {sticky: true}); }
                layer.bindPopup(function () { return C.claimPopup(p); }, {maxWidth: 460, maxHeight: 360});
            }
        }, options)).addData(featureCollection(data));
    };
})(window.claimAtlas = window.claimAtlas || {});
