// Phone and NI numbers as a clerk reads them, the same as centrebook-core's `fields::display`
// (documents and the `centrebook` command use that one). The stored values stay normalised
// (`+447700900123`, `AB123456C`); these only format for display. Both sides are tested against one
// table of cases, src-tauri/core/src/fields/display_cases.json, so they cannot drift apart.

/** UK area codes of six digits (the few "mixed" areas), shown as `015394 12345`. */
const SIX_DIGIT_AREAS = [
  "013873", "015242", "015394", "015395", "015396", "016973", "016974", "016977",
  "017683", "017684", "017687", "019467", "019755", "019756",
];

function grouped(digits: string, sizes: number[]): string {
  const out: string[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(digits.slice(at, at + n));
    at += n;
  }
  if (at < digits.length) out.push(digits.slice(at));
  return out.filter(Boolean).join(" ");
}

/**
 * A stored phone number (`+447700900123`) in the UK's usual groups: `07700 900123`, `020 7946 0000`,
 * `0113 496 0000`, `01632 960123`, `0800 123 4567`. A number outside the UK keeps its `+` form;
 * anything that is not a stored number is returned unchanged.
 */
export function phone(stored: string | null | undefined): string {
  if (!stored) return "";
  const m = /^\+44(\d{9,10})$/.exec(stored);
  if (!m) return stored;
  const n = `0${m[1]}`;
  if (n.length === 11) {
    if (n.startsWith("02") || n.startsWith("070") || n.startsWith("05")) return grouped(n, [3, 4]);
    if (/^01(1\d|\d1)/.test(n) || /^0[389]/.test(n)) return grouped(n, [4, 3]);
    if (SIX_DIGIT_AREAS.some((a) => n.startsWith(a))) return grouped(n, [6]);
    return grouped(n, [5]);
  }
  if (/^0[58]00/.test(n)) return grouped(n, [4]);
  if (SIX_DIGIT_AREAS.some((a) => n.startsWith(a))) return grouped(n, [6]);
  return grouped(n, [5]);
}

/** A stored NI number (`AB123456C`) as `AB 12 34 56 C`; anything else unchanged. */
export function niNumber(stored: string | null | undefined): string {
  if (!stored) return "";
  const m = /^([A-Z]{2})(\d{2})(\d{2})(\d{2})([A-D])$/.exec(stored);
  return m ? `${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}` : stored;
}
