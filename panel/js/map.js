// The incident map: Leaflet with OpenStreetMap tiles, or the tile server config.json names
// (config.map.tileUrl, .attribution, .maxZoom, .subdomains). Without tiles (offline, a blocked network) the
// map is a grey canvas that still pans, zooms and takes clicks: the point and its marker do not need tiles.
// From the keyboard: Tab to the map, arrows pan, + / - zoom, Enter or Space sets the point under the
// crosshair in its centre, Delete clears it.
import { VENDOR } from "./vendor.js";
import { t, onLanguageChange } from "./i18n.js";

let loading = null;

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`cannot load ${src}`));
    document.head.append(script);
  });
}

function loadCss(href) {
  return new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = resolve;
    link.onerror = resolve; // the map still works unstyled enough to click
    document.head.append(link);
  });
}

export function loadLeaflet() {
  if (!loading) {
    loading = Promise.all([loadCss(VENDOR.leafletCss), loadScript(VENDOR.leafletJs)]).then(() => {
      const L = window.L;
      L.Icon.Default.prototype.options.imagePath = VENDOR.leafletJs.replace(/[^/]+$/, "images/");
      return L;
    });
  }
  return loading;
}

export const OSM_TILES = Object.freeze({
  tileUrl: "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
  attribution: "© OpenStreetMap contributors",
  maxZoom: 19,
  subdomains: "abc",
});

/** Leaflet writes an attribution as HTML: the configured one is shown as text. */
function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** The tile layer's settings: config.map's keys where given, OpenStreetMap's otherwise. */
export function tileSettings(mapConfig) {
  const given = mapConfig && typeof mapConfig === "object" ? mapConfig : {};
  const custom = typeof given.tileUrl === "string" && given.tileUrl.includes("{z}");
  return {
    tileUrl: custom ? given.tileUrl : OSM_TILES.tileUrl,
    attribution: typeof given.attribution === "string" && given.attribution ? given.attribution : custom ? "" : OSM_TILES.attribution,
    maxZoom: Number.isFinite(given.maxZoom) ? given.maxZoom : OSM_TILES.maxZoom,
    subdomains: given.subdomains || OSM_TILES.subdomains,
  };
}

export class IncidentMap {
  /**
   * @param {HTMLElement} container
   * @param {object} options {center, tiles: config.map, districtCenters: {name: [lat, lon]},
   *   onPick(lat, lon) when the map may set the point, onClear() to clear it}
   */
  constructor(container, { center, tiles, districtCenters, onPick, onClear }) {
    this.container = container;
    this.center = center;
    this.tiles = tileSettings(tiles);
    this.districtCenters = districtCenters || {};
    this.onPick = onPick;
    this.onClear = onClear;
    this.map = null;
    this.layers = null;
    this.pointMarker = null;
    this.pickable = false;
    this.note = null; // the text over the map when the location has no point
    this.point = null; // the point chosen in the verify form, kept until the map is there to show it
    onLanguageChange(() => this.relabel());
  }

  async init() {
    const L = await loadLeaflet();
    this.L = L;
    this.map = L.map(this.container, { center: this.center, zoom: 11, keyboard: true, zoomControl: false });
    this.zoom = L.control.zoom({ zoomInTitle: t("zoomIn"), zoomOutTitle: t("zoomOut") }).addTo(this.map);
    this.map.attributionControl.setPrefix(false);
    L.tileLayer(this.tiles.tileUrl, {
      maxZoom: this.tiles.maxZoom,
      subdomains: this.tiles.subdomains,
      attribution: escapeHtml(this.tiles.attribution),
    }).addTo(this.map);
    this.layers = L.layerGroup().addTo(this.map);
    this.map.on("click", (event) => {
      if (this.pickable) this.onPick(event.latlng.lat, event.latlng.lng);
    });
    const Note = L.Control.extend({
      onAdd: () => {
        const el = L.DomUtil.create("p", "map-note");
        el.hidden = true;
        return el;
      },
    });
    this.noteControl = new Note({ position: "bottomleft" }).addTo(this.map);
    this.container.addEventListener("keydown", (event) => this.onKey(event));
    this.container.setAttribute("aria-label", t("mapLabel"));
    this.container.setAttribute("aria-describedby", "map-keys");
    this.setPoint(this.point);
  }

  /** Enter or Space: the point under the crosshair (the map's centre); Delete: no point. */
  onKey(event) {
    if (event.target !== this.container || !this.pickable || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      const center = this.map.getCenter();
      this.onPick(center.lat, center.lng);
    } else if (event.key === "Delete") {
      event.preventDefault();
      this.onClear();
    }
  }

  /** Labels in the current language (Leaflet writes its own at creation). */
  relabel() {
    this.container.setAttribute("aria-label", t("mapLabel"));
    for (const [selector, key] of [[".leaflet-control-zoom-in", "zoomIn"], [".leaflet-control-zoom-out", "zoomOut"]]) {
      const button = this.container.querySelector(selector);
      if (button) {
        button.title = t(key);
        button.setAttribute("aria-label", t(key));
      }
    }
  }

  setPickable(pickable) {
    this.pickable = pickable;
    this.container.classList.toggle("pickable", pickable);
  }

  /** A line of text over the map (the location has a district or an address but no point). */
  setNote(text) {
    this.note = text;
    const el = this.noteControl?.getContainer();
    if (!el) return;
    el.textContent = text || "";
    el.hidden = !text;
  }

  invalidate() {
    if (this.map) this.map.invalidateSize();
  }

  /** What the incident says about where it is: its verified location (Leaflet's blue pin) and the
   * handset's AML fix (an orange circle as wide as its accuracy, with an orange ring at its centre).
   * The view fits them when the incident opens and again when a new AML fix arrives. */
  showIncident(incident, fit) {
    if (!this.map) return;
    const L = this.L;
    this.layers.clearLayers();
    const bounds = [];
    const location = incident.location;
    const hasPoint = location && location.lat != null && location.lon != null;
    let note = null;
    if (hasPoint) {
      L.marker([location.lat, location.lon], { title: t("location"), alt: t("location") }).addTo(this.layers);
      bounds.push(L.latLng(location.lat, location.lon).toBounds(600)); // about zoom 15 around the pin
    } else if (location && location.district) {
      // A district without a point: its centre when config.json knows it, else words over the map.
      const center = this.districtCenters[location.district];
      if (Array.isArray(center) && center.length === 2) {
        L.circle(center, { radius: 2500, color: "#0b5cad", weight: 2, dashArray: "6 6", fillOpacity: 0.05, interactive: false, className: "district-area" })
          .bindTooltip(t("districtOnMap", { district: location.district }), { permanent: true, direction: "center", className: "district-label" })
          .addTo(this.layers);
        bounds.push(L.latLng(center[0], center[1]).toBounds(6000));
      }
      note = t("mapNoteDistrict", { district: location.district });
    } else if (location && location.address) {
      note = t("mapNoteAddress");
    }
    this.setNote(note);
    const aml = incident.aml;
    const amlKey = aml ? `${incident.id}:${aml.receivedAt}` : null;
    if (aml) {
      const radius = aml.accuracyM || 50;
      L.circle([aml.lat, aml.lon], {
        radius,
        color: "#b34700",
        weight: 2,
        fillColor: "#e66e14",
        fillOpacity: 0.2,
        className: "aml-circle",
        interactive: false,
      }).addTo(this.layers);
      const label = aml.accuracyM != null ? `${t("amlMarker")} ±${Math.round(aml.accuracyM)} m` : t("amlMarker");
      L.marker([aml.lat, aml.lon], {
        icon: L.divIcon({ className: "aml-marker", iconSize: [18, 18], iconAnchor: [9, 9], html: "" }),
        title: label,
        alt: label,
        keyboard: false,
        zIndexOffset: -100, // the operator's pin stays on top
      }).addTo(this.layers);
      bounds.push(L.latLng(aml.lat, aml.lon).toBounds(Math.max(2 * radius, 100)));
    }
    const fresh = amlKey !== null && amlKey !== this.amlKey;
    this.amlKey = amlKey;
    if (!fit && !fresh) return;
    if (!bounds.length) {
      this.map.setView(this.center, 11);
      return;
    }
    const all = bounds.reduce((acc, b) => acc.extend(b), L.latLngBounds(bounds[0].getSouthWest(), bounds[0].getNorthEast()));
    this.map.fitBounds(all, { maxZoom: 17, padding: [12, 12] });
  }

  setPoint(point) {
    this.point = point;
    if (!this.map) return;
    if (this.pointMarker) {
      this.pointMarker.remove();
      this.pointMarker = null;
    }
    if (point) {
      this.pointMarker = this.L.marker([point.lat, point.lon], {
        title: t("pointChosen"),
        alt: t("pointChosen"),
        keyboard: false,
      }).addTo(this.map);
      this.pointMarker.getElement()?.classList.add("chosen-point");
    }
  }
}
