// UK date format (dd/mm/yyyy) throughout the window. The core stores ISO dates and accepts what
// people type (e.g. 31/12/1990); these only format for display and turn a date picker's ISO value
// into the typed form.

/** "2026-03-07" → "07/03/2026"; anything else is returned unchanged. */
export function ukDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

/** An RFC 3339 timestamp as "07/03/2026 14:05" in local time. */
export function ukDateTime(rfc3339: string | null | undefined): string {
  if (!rfc3339) return "";
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A date range: "07/03/2026" for one day, else "07/03/2026 – 09/03/2026". */
export function ukRange(from: string, to: string | null | undefined): string {
  return !to || to === from ? ukDate(from) : `${ukDate(from)} – ${ukDate(to)}`;
}

/** Today as dd/mm/yyyy (local time). */
export function todayUk(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(now.getDate())}/${p(now.getMonth() + 1)}/${now.getFullYear()}`;
}

/** Whether typed text looks like dd/mm/yyyy with a real calendar date. */
export function isUkDate(typed: string): boolean {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(typed.trim());
  if (!m) return false;
  const [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}
