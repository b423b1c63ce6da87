// The course rule, as in centrebook-core's records/outcome.rs, so the results grid can show the
// outcome while the trainer types. The core recomputes and stores the outcome on every save; what it
// returns replaces this preview. Both are tested against the same cases (records/outcome_cases.json).
import { OUTCOME_WORDS } from "./bindings/Words";
import type { ComponentRule, GradeBand, Outcome, Score } from "./types";

/** Whether everything the component needs is entered: a faults count with a blank half is not. */
export function isWhole(score: Score): boolean {
  return score.kind !== "faults" || (score.minor !== null && score.major !== null);
}

export function passes(rule: ComponentRule, score: Score): boolean {
  if (rule.kind === "marks" && score.kind === "marks") return score.mark >= rule.pass_mark;
  if (rule.kind === "faults" && score.kind === "faults")
    return (
      score.minor !== null && score.major !== null && score.minor <= rule.max_minor_faults && score.major <= rule.max_major_faults
    );
  if (rule.kind === "observation" && score.kind === "observation") return score.competent;
  return false;
}

function grade(rules: ComponentRule[], scores: (Score | null)[], bands: GradeBand[]): string | null {
  let got = 0;
  let of = 0;
  rules.forEach((r, i) => {
    const s = scores[i];
    if (r.kind === "marks" && s?.kind === "marks") {
      got += s.mark;
      of += r.max_mark;
    }
  });
  if (of === 0) return null;
  const percent = (got * 100) / of;
  let best: GradeBand | null = null;
  for (const b of bands) if (percent >= b.min_percent && (!best || b.min_percent > best.min_percent)) best = b;
  return best?.grade ?? null;
}

/** Applies the rule: `scores[i]` belongs to `rules[i]`; `null`, or a score not wholly entered, is not yet marked. */
export function computeOutcome(
  rules: ComponentRule[],
  scores: (Score | null)[],
  attended: boolean,
  grades: GradeBand[] = [],
): { outcome: Outcome; grade: string | null } {
  if (!attended) return { outcome: "did_not_attend", grade: null };
  if (rules.length === 0 || scores.length !== rules.length || scores.some((s) => s === null || !isWhole(s)))
    return { outcome: "incomplete", grade: null };
  const passed = rules.filter((r, i) => passes(r, scores[i] as Score)).length;
  const outcome: Outcome = passed === rules.length ? "pass" : passed === 0 ? "fail" : "retest";
  return { outcome, grade: outcome === "pass" ? grade(rules, scores, grades) : null };
}

/** The outcome words, from the core: the same in the window, the employer report and the CSV files. */
export const OUTCOME_LABEL: Record<Outcome, string> = OUTCOME_WORDS;
