// Hash routes: "#/candidates", "#/candidates/<id>", "#/runs/<id>/results". The hash keeps the back
// button and keyboard shortcuts working inside the single window without a server.

export interface Route {
  /** Path segments, e.g. ["candidates", "0190..."]. */
  parts: string[];
}

function parse(hash: string): Route {
  const path = hash.replace(/^#\/?/, "");
  return { parts: path ? path.split("/").map(decodeURIComponent) : [] };
}

export const route: Route = $state(parse(location.hash));

/** Guards run before leaving a screen (e.g. the results grid with unsaved cells). */
let guard: (() => boolean) | null = null;
export function setLeaveGuard(g: (() => boolean) | null) {
  guard = g;
}

export function navigate(path: string) {
  if (guard && !guard()) return;
  const target = `#/${path.replace(/^\//, "")}`;
  if (location.hash === target) return;
  location.hash = target;
}

window.addEventListener("hashchange", () => {
  const next = parse(location.hash);
  route.parts = next.parts;
});
