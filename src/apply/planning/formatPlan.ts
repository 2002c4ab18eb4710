/**
 * Text for `--dry-run` and for the apply report: the exact input each tool gets, in order, and
 * a short summary.
 */
import type { Plan, PlanSummary } from "./plan.js";

const SUMMARY_LINES: readonly (readonly [keyof PlanSummary, string])[] = [
  ["chainsCreated", "chains created"],
  ["chainsChanged", "chains changed"],
  ["chainsRemoved", "chains removed"],
  ["hooksChanged", "hooks rewritten"],
  ["setsCreated", "sets created"],
  ["setsChanged", "sets changed"],
  ["setsRemoved", "sets removed"],
];

/** `chains: 2 created, 1 changed, …` plus one line per kind listing names (at most `limit`). */
export function formatSummary(summary: PlanSummary, limit = 20): string {
  const lines: string[] = [];
  for (const [key, label] of SUMMARY_LINES) {
    const names = summary[key];
    if (names.length === 0) continue;
    const shown = names.slice(0, limit).join(", ");
    lines.push(`  ${label}: ${names.length} (${shown}${names.length > limit ? `, … ${names.length - limit} more` : ""})`);
  }
  return lines.length === 0 ? "  nothing\n" : `${lines.join("\n")}\n`;
}

/** The whole plan: a header per step (`# ==> step 1/3 [sets] ipset: ipset restore <==`), its input, the summary. */
export function formatPlan(plan: Plan): string {
  if (plan.steps.length === 0) return "# nothing to do: the kernel already matches the desired state\n";
  const out: string[] = [];
  plan.steps.forEach((step, i) => {
    const check = step.checkArgv === undefined ? "" : ` (checked first with: ${step.checkArgv.join(" ")})`;
    out.push(`# ==> step ${i + 1}/${plan.steps.length} [${step.phase}] ${step.label}: ${step.argv.join(" ")}${check} <==`, step.stdin.replace(/\n$/, ""));
  });
  out.push(`# summary (${plan.backend}${plan.mode === undefined ? "" : `, ${plan.mode}`}):`, formatSummary(plan.summary).replace(/\n$/, ""));
  return `${out.join("\n")}\n`;
}

/** Bytes each tool would read, by program name (for the benchmark and the report). */
export function bytesPerTool(plan: Plan): Record<string, number> {
  const bytes: Record<string, number> = {};
  for (const step of plan.steps) {
    const tool = step.argv[0] ?? "";
    bytes[tool] = (bytes[tool] ?? 0) + Buffer.byteLength(step.stdin, "utf8");
  }
  return bytes;
}
