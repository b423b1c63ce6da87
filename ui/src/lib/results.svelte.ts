// The one queue that saves results as they are typed. It outlives the grid, so leaving the screen
// never drops a value on its way to the store; signing out waits for it.
import { api } from "./api";
import { SaveQueue, type CellStatus } from "./grid";
import type { EnrolmentResults, Id, Score } from "./types";

export interface CellSave {
  enrolment: Id;
  component: Id;
  score: Score | null;
  /** Sent with the score every time: the store replaces both together. */
  comments: string | null;
  /** The assessment date as typed (dd/mm/yyyy); null keeps the one recorded, or the run's test day. */
  assessed_on: string | null;
}

export const cellStatus: Record<string, CellStatus> = $state({});
/** Listeners for what the store returns after each save (the grid on screen). */
const listeners = new Set<(r: EnrolmentResults) => void>();

export const resultsQueue = new SaveQueue<CellSave, EnrolmentResults>(
  (_key, v) => api.recordResult(v.enrolment, { component_id: v.component, score: v.score, comments: v.comments, assessed_on: v.assessed_on }),
  (_key, r) => listeners.forEach((l) => l(r)),
  (key, s) => (cellStatus[key] = s),
);

export function onResultSaved(l: (r: EnrolmentResults) => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

export const cellKey = (enrolment: Id, component: Id) => `${enrolment}|${component}`;

/** Unsaved cells, for the status line (re-read whenever a cell's status changes). */
export function unsavedCount(): number {
  return Object.values(cellStatus).filter((s) => s.state === "pending" || s.state === "saving" || s.state === "failed").length;
}
