// The incident map: Leaflet with OpenStreetMap tiles. Without tiles (offline, a blocked network) the map
// is a grey canvas that still pans, zooms and takes clicks: the point and its marker do not need tiles.
import { VENDOR } from "./vendor.js";
import { t } from "./i18n.js";

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

export class IncidentMap {
  constructor(container, center, onPick) {
    this.container = container;
    this.center = center;
    this.onPick = onPick; // (lat, lon) => void, when clicks may set the point
    this.map = null;
    this.layers = null;
    this.pointMarker = null;
    this.pickable = false;
  }

  async init() {
    const L = await loadLeaflet();
    this.L = L;
    this.map = L.map(this.container, { center: this.center, zoom: 11, keyboard: true, zoomControl: false });
    this.zoom = L.control.zoom({ zoomInTitle: t("zoomIn"), zoomOutTitle: t("zoomOut") }).addTo(this.map);
    L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap",
    }).addTo(this.map);
    this.layers = L.layerGroup().addTo(this.map);
    this.map.on("click", (event) => {
      if (this.pickable) this.onPick(event.latlng.lat, event.latlng.lng);
    });
    this.container.setAttribute("aria-label", t("mapLabel"));
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
    if (location && location.lat != null && location.lon != null) {
      L.marker([location.lat, location.lon], { title: t("location"), alt: t("location") }).addTo(this.layers);
      bounds.push(L.latLng(location.lat, location.lon).toBounds(600)); // about zoom 15 around the pin
    }
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
