// The logic of the results grid, kept apart from the component so it can be tested: what a typed
// cell means, the outcome it implies, where the keyboard moves, and the queue that saves each cell
// as it is typed and keeps retrying until the store has it.
import { computeOutcome } from "./outcome";
import type { ComponentRule, GradeBand, Outcome, Score, UiError } from "./types";

/** What the trainer has typed in one cell. */
export type Draft =
  | { kind: "marks"; mark: string }
  | { kind: "faults"; minor: string; major: string }
  | { kind: "observation"; competent: boolean | null };

export type Parsed = { ok: true; score: Score | null } | { ok: false; error: string };

const WHOLE = /^\d{1,4}$/;

/** The draft for a stored score (or an empty one for the rule). */
export function draftOf(rule: ComponentRule, score: Score | null): Draft {
  switch (rule.kind) {
    case "marks":
      return { kind: "marks", mark: score?.kind === "marks" ? String(score.mark) : "" };
    case "faults":
      return score?.kind === "faults"
        ? { kind: "faults", minor: score.minor === null ? "" : String(score.minor), major: score.major === null ? "" : String(score.major) }
        : { kind: "faults", minor: "", major: "" };
    case "observation":
      return { kind: "observation", competent: score?.kind === "observation" ? score.competent : null };
  }
}

/**
 * What a draft means for its component: a score, `null` for an empty cell (nothing recorded), or
 * why it cannot be saved. For faults, a blank half is not yet entered (`null`), never 0: what was
 * typed is kept, and the outcome waits until both halves are in.
 */
export function parseDraft(rule: ComponentRule, d: Draft): Parsed {
  if (rule.kind === "marks" && d.kind === "marks") {
    const t = d.mark.trim();
    if (t === "") return { ok: true, score: null };
    if (!WHOLE.test(t) || Number(t) > rule.max_mark)
      return { ok: false, error: `Enter a whole mark from 0 to ${rule.max_mark}` };
    return { ok: true, score: { kind: "marks", mark: Number(t) } };
  }
  if (rule.kind === "faults" && d.kind === "faults") {
    const [mi, ma] = [d.minor.trim(), d.major.trim()];
    if (mi === "" && ma === "") return { ok: true, score: null };
    for (const v of [mi, ma])
      if (v !== "" && (!WHOLE.test(v) || Number(v) > 99)) return { ok: false, error: "Enter a fault count from 0 to 99" };
    const half = (v: string) => (v === "" ? null : Number(v));
    return { ok: true, score: { kind: "faults", minor: half(mi), major: half(ma) } };
  }
  if (rule.kind === "observation" && d.kind === "observation") {
    return { ok: true, score: d.competent === null ? null : { kind: "observation", competent: d.competent } };
  }
  return { ok: false, error: "This cell does not match its component" };
}

/** The outcome the drafts imply, shown live; a cell that cannot be read counts as unmarked. */
export function liveOutcome(
  rules: ComponentRule[],
  drafts: Draft[],
  attended: boolean,
  grades: GradeBand[] = [],
): { outcome: Outcome; grade: string | null } {
  const scores = rules.map((r, i) => {
    const p = parseDraft(r, drafts[i]);
    return p.ok ? p.score : null;
  });
  return computeOutcome(rules, scores, attended, grades);
}

/** A key typed in an observation cell: C/Y competent, N not yet, Delete/Backspace clears. */
export function observationKey(key: string): boolean | null | undefined {
  const k = key.toLowerCase();
  if (k === "c" || k === "y" || k === "p") return true;
  if (k === "n" || k === "f") return false;
  if (key === "Delete" || key === "Backspace") return null;
  return undefined;
}

/** A box of the grid: a candidate's row, a component's column, and which box within the cell. */
export interface Pos {
  row: number;
  col: number;
  /** Within a cell: 0 for marks; 0 minor and 1 major for faults; 0 ✓ and 1 ✗ for an observation. */
  sub: number;
}

/** How many boxes a cell of each component has (faults: minor and major; observation: ✓ and ✗). */
export function boxesOf(rule: ComponentRule): number {
  return rule.kind === "marks" ? 1 : 2;
}

/**
 * Where the focus goes for a navigation key, or `null` if the key is not for moving. `boxes[c]` is
 * how many boxes column `c`'s cells have. Enter and ↓ move down the same column, into the same box
 * (like a spreadsheet: typing a column of majors never lands on the next row's minor), Shift+Enter
 * and ↑ up; ← and → step box by box across the row; Home and End go to the row's ends. Left/Right are
 * only passed here when the caret is at the text's edge.
 */
export function move(pos: Pos, key: string, shift: boolean, rows: number, boxes: number[]): Pos | null {
  const cols = boxes.length;
  if (rows === 0 || cols === 0) return null;
  const at = (row: number, col: number, sub: number): Pos => {
    const r = Math.max(0, Math.min(rows - 1, row));
    const c = Math.max(0, Math.min(cols - 1, col));
    return { row: r, col: c, sub: Math.max(0, Math.min(boxes[c] - 1, sub)) };
  };
  const down = (by: number) => at(pos.row + by, pos.col, pos.sub);
  switch (key) {
    case "ArrowDown":
      return down(1);
    case "ArrowUp":
      return down(-1);
    case "Enter":
      return down(shift ? -1 : 1);
    case "ArrowRight":
      if (pos.sub < boxes[pos.col] - 1) return at(pos.row, pos.col, pos.sub + 1);
      return pos.col < cols - 1 ? at(pos.row, pos.col + 1, 0) : at(pos.row, pos.col, pos.sub);
    case "ArrowLeft":
      if (pos.sub > 0) return at(pos.row, pos.col, pos.sub - 1);
      return pos.col > 0 ? at(pos.row, pos.col - 1, boxes[pos.col - 1] - 1) : at(pos.row, pos.col, 0);
    case "Home":
      return at(pos.row, 0, 0);
    case "End":
      return at(pos.row, cols - 1, boxes[cols - 1] - 1);
    default:
      return null;
  }
}

export type SaveState = "pending" | "saving" | "saved" | "failed" | "rejected";

export interface CellStatus {
  state: SaveState;
  /** For `rejected` (the store refused the value) and `failed` (will retry). */
  message?: string;
}

/**
 * Saves each cell's latest value, one request per cell at a time, in the order typed. A value that
 * fails to reach the store (busy, an internal error) is retried with a growing delay until it does;
 * one the store refuses (bad input, not allowed) waits for the trainer to change it. A value typed
 * while an earlier one is in flight is sent right after it, so the last typed always wins.
 */
export class SaveQueue<V, R> {
  private latest = new Map<string, V>();
  private inFlight = new Set<string>();
  private timers = new Map<string, ReturnType<typeof setTimeout>>();
  private attempts = new Map<string, number>();
  private status = new Map<string, CellStatus>();
  private idle: (() => void)[] = [];

  constructor(
    private send: (key: string, value: V) => Promise<R>,
    private onSaved: (key: string, result: R) => void,
    private onStatus: (key: string, status: CellStatus) => void = () => {},
    private retryMs = (attempt: number) => Math.min(30_000, 500 * 2 ** attempt),
  ) {}

  /** Queues `value` for `key` and sends it as soon as the cell has nothing in flight. */
  set(key: string, value: V) {
    this.latest.set(key, value);
    this.attempts.set(key, 0);
    const t = this.timers.get(key);
    if (t) {
      clearTimeout(t);
      this.timers.delete(key);
    }
    this.setStatus(key, { state: "pending" });
    if (!this.inFlight.has(key)) void this.pump(key);
  }

  /** Cells not yet confirmed by the store (pending, saving or waiting to retry). */
  unsaved(): number {
    let n = 0;
    for (const s of this.status.values()) if (s.state === "pending" || s.state === "saving" || s.state === "failed") n++;
    return n;
  }

  statusOf(key: string): CellStatus | undefined {
    return this.status.get(key);
  }

  /** Resolves once nothing is pending or in flight (values refused by the store do not count). */
  settled(): Promise<void> {
    if (this.unsaved() === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  /** Stops retry timers (the grid is going away; `unsaved()` says whether anything is lost). */
  dispose() {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private setStatus(key: string, s: CellStatus) {
    this.status.set(key, s);
    this.onStatus(key, s);
    if (this.unsaved() === 0) {
      const waiting = this.idle;
      this.idle = [];
      waiting.forEach((r) => r());
    }
  }

  private async pump(key: string) {
    if (!this.latest.has(key)) return;
    const value = this.latest.get(key) as V;
    this.latest.delete(key);
    this.inFlight.add(key);
    this.setStatus(key, { state: "saving" });
    let outcome: { ok: true; result: R } | { ok: false; error: UiError };
    try {
      outcome = { ok: true, result: await this.send(key, value) };
    } catch (e) {
      outcome = { ok: false, error: e as UiError };
    }
    this.inFlight.delete(key);
    const newer = this.latest.has(key);
    if (outcome.ok) {
      if (!newer) {
        this.onSaved(key, outcome.result);
        this.setStatus(key, { state: "saved" });
      }
    } else if (!newer) {
      const e = outcome.error;
      // An internal error is a bug: sending the same value again would fail the same way.
      const refused =
        e && (e.kind === "invalid" || e.kind === "not_yet" || e.kind === "forbidden" || e.kind === "not_found" || e.kind === "internal");
      if (refused) {
        this.setStatus(key, { state: "rejected", message: e.reason ?? e.message });
      } else {
        // Not refused, just not stored yet: keep the value and try again.
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        this.latest.set(key, value);
        this.setStatus(key, { state: "failed", message: e?.message ?? String(e) });
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            if (!this.inFlight.has(key)) void this.pump(key);
          }, this.retryMs(attempt)),
        );
      }
    }
    if (newer) void this.pump(key);
  }
}

/** The most a result's comments may hold (the store refuses more). */
export const COMMENTS_MAX = 2000;

/**
 * What one cell sends to the store: its score and its comments together, since the store keeps the
 * comments on the score's record and replaces both at once (sending a score alone would erase the
 * comments). Blank comments are none; comments on a cell with no score cannot be kept, so they go
 * unsent until there is a score.
 */
export function cellValue(
  rule: ComponentRule,
  draft: Draft,
  comments: string,
): { ok: true; score: Score | null; comments: string | null } | { ok: false; error: string } {
  const parsed = parseDraft(rule, draft);
  if (!parsed.ok) return parsed;
  const text = comments.trim();
  if (text.length > COMMENTS_MAX) return { ok: false, error: `Keep the comments under ${COMMENTS_MAX} characters` };
  return { ok: true, score: parsed.score, comments: parsed.score === null || text === "" ? null : text };
}
