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

  /** What the incident says about where it is: its verified location and the handset's AML fix. */
  showIncident(incident, fit) {
    if (!this.map) return;
    const L = this.L;
    this.layers.clearLayers();
    const points = [];
    const location = incident.location;
    if (location && location.lat != null && location.lon != null) {
      L.marker([location.lat, location.lon], { title: t("location"), alt: t("location") }).addTo(this.layers);
      points.push([location.lat, location.lon]);
    }
    const aml = incident.aml;
    if (aml) {
      L.circle([aml.lat, aml.lon], { radius: aml.accuracyM || 50, color: "#7a3e00", weight: 2 }).addTo(this.layers);
      L.circleMarker([aml.lat, aml.lon], { radius: 5, color: "#7a3e00", fillOpacity: 1 }).addTo(this.layers);
      points.push([aml.lat, aml.lon]);
    }
    if (fit) this.map.setView(points[0] || this.center, points.length ? 15 : 11);
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
