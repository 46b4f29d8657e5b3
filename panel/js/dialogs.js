// Modal dialogs on <dialog>: showModal() makes the page behind inert; we also keep Tab inside the
// dialog, close on Esc, and give focus back to whatever had it before.
import { $$ } from "./dom.js";

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

const openDialogs = [];

export function anyDialogOpen() {
  return openDialogs.length > 0;
}

export function focusables(root) {
  return $$(FOCUSABLE, root).filter((el) => !el.closest("[hidden]") && el.getClientRects().length > 0);
}

export function openDialog(dialog, { focus } = {}) {
  if (dialog.open) return;
  const returnTo = document.activeElement;
  dialog.returnTo = returnTo instanceof HTMLElement ? returnTo : null;
  dialog.showModal();
  openDialogs.push(dialog);
  const first = (focus && dialog.querySelector(focus)) || focusables(dialog)[0];
  if (first) first.focus();
}

export function closeDialog(dialog) {
  if (!dialog.open) return;
  dialog.close();
}

function onClose(event) {
  const dialog = event.target;
  const index = openDialogs.indexOf(dialog);
  if (index >= 0) openDialogs.splice(index, 1);
  const target = dialog.returnTo;
  dialog.returnTo = null;
  if (target && target.isConnected && !target.closest("[hidden]")) target.focus();
}

function trapTab(event) {
  if (event.key !== "Tab") return;
  const dialog = event.currentTarget;
  const items = focusables(dialog);
  if (items.length === 0) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** Wire every <dialog> of the page once: focus trap, return of focus, close buttons. */
export function setupDialogs(root = document) {
  for (const dialog of $$("dialog", root)) {
    dialog.addEventListener("close", onClose);
    dialog.addEventListener("keydown", trapTab);
    for (const button of $$("[data-close-dialog]", dialog)) {
      button.addEventListener("click", () => closeDialog(dialog));
    }
  }
}
