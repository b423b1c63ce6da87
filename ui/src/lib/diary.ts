// The diary's calendar arithmetic: weeks start on Monday (as UK diaries do), a month view is the
// whole weeks that cover the month, and a run sits on every day from its first to its last. Dates
// are ISO "yyyy-mm-dd" strings, computed in UTC so no clock change moves a day.
import type { DiaryRun, Places } from "./types";

const DAY = 86_400_000;

function parse(iso: string): Date {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** `iso` moved by `days`. */
export function addDays(day: string, days: number): string {
  return iso(new Date(parse(day).getTime() + days * DAY));
}

/** The Monday of the week holding `day`. */
export function weekStart(day: string): string {
  const dow = (parse(day).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(day, -dow);
}

/** The seven days of the week holding `day`, Monday first. */
export function weekDays(day: string): string[] {
  const monday = weekStart(day);
  return Array.from({ length: 7 }, (_, i) => addDays(monday, i));
}

/** The first of the month holding `day`, moved by `months`. */
export function monthStart(day: string, months = 0): string {
  const d = parse(day);
  return iso(new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1)));
}

/** The whole weeks (Monday to Sunday) covering the month holding `day`. */
export function monthWeeks(day: string): string[][] {
  const first = monthStart(day);
  const last = addDays(monthStart(day, 1), -1);
  const weeks: string[][] = [];
  for (let monday = weekStart(first); monday <= last; monday = addDays(monday, 7)) weeks.push(weekDays(monday));
  return weeks;
}

/** The runs on `day`, in the order given (the core's: earliest first). */
export function runsOn(runs: DiaryRun[], day: string): DiaryRun[] {
  return runs.filter((d) => d.run.starts_on <= day && day <= d.run.ends_on);
}

/** "3 of 12 places" / "3 booked" (no limit set), and whether the run is full. */
export function placesText(p: Places): { text: string; full: boolean } {
  if (p.limit === null) return { text: `${p.taken} booked`, full: false };
  return { text: `${p.taken} of ${p.limit} places`, full: p.taken >= p.limit };
}

/** "December 2026". */
export function monthTitle(day: string): string {
  return parse(day).toLocaleDateString("en-GB", { month: "long", year: "numeric", timeZone: "UTC" });
}

/** "Mon 7". */
export function dayTitle(day: string): string {
  return parse(day).toLocaleDateString("en-GB", { weekday: "short", day: "numeric", timeZone: "UTC" });
}

/** Today as ISO (local time). */
export function todayIso(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}
