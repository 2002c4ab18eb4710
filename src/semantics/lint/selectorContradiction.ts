/**
 * Selectors that can never match, whatever the labels: a Kubernetes `LabelSelector` whose
 * `matchLabels` and `matchExpressions` contradict each other on one key, and a Calico selector
 * whose top-level conjunction (`a && b && ...`) does. Both are decided per key from what each
 * clause says of the label's value:
 *
 * - `k: v` (matchLabels), `k In [..]`, `k == "v"`, `k in {..}`: present, with one of those values;
 * - `k NotIn [..]`, `k != "v"`, `k not in {..}`: absent, or not one of those values;
 * - `Exists`, `has(k)`, `contains`/`starts with`/`ends with`: present;
 * - `DoesNotExist`, `!has(k)`: absent.
 *
 * A key is contradictory when it must be both present and absent, when the allowed value sets
 * have an empty intersection, or when every allowed value is excluded. This is exact for the
 * clauses it reads (Kubernetes: k8s.io/apimachinery `labels.Requirement.Matches`; Calico:
 * libcalico-go/lib/selector/parser/ast.go), and sound for the rest: clauses it does not read
 * (`||`, nested `!`) are left out, so a reported contradiction is always real.
 */
import type { LabelSelector, Selector } from "../../model/types.js";
import { printSelector } from "../../model/selector/index.js";

/** One clause of a selector about one label, with the dotted path of where it is written. */
interface Clause {
  readonly key: string;
  /** Present with one of these values. */
  readonly values?: readonly string[];
  /** Absent, or not one of these values. */
  readonly excluded?: readonly string[];
  readonly presence?: "present" | "absent";
  /** As a reader sees it (`app In [a, b]`). */
  readonly text: string;
  /** Relative path of the clause under the selector's path, or undefined for the selector itself. */
  readonly path?: string;
}

/** A contradiction: the clause that completes it, the earlier clauses it contradicts, and why. */
export interface Contradiction {
  readonly key: string;
  readonly clause: Clause;
  readonly earlier: readonly Clause[];
  readonly why: string;
}

/** The first contradiction among the clauses, in written order (undefined: none). */
function firstContradiction(clauses: readonly Clause[]): Contradiction | undefined {
  const byKey = new Map<string, Clause[]>();
  for (const clause of clauses) {
    const seen = byKey.get(clause.key) ?? [];
    seen.push(clause);
    byKey.set(clause.key, seen);
    const why = contradictionOf(seen);
    if (why !== undefined) return { key: clause.key, clause, earlier: seen.slice(0, -1), why };
  }
  return undefined;
}

/** Why the clauses about one key cannot all hold, or undefined. */
function contradictionOf(clauses: readonly Clause[]): string | undefined {
  let allowed: Set<string> | undefined;
  const excluded = new Set<string>();
  let present = false;
  let absent = false;
  for (const c of clauses) {
    if (c.values !== undefined) {
      present = true;
      allowed = new Set(allowed === undefined ? c.values : c.values.filter((v) => allowed!.has(v)));
    }
    for (const v of c.excluded ?? []) excluded.add(v);
    if (c.presence === "present") present = true;
    if (c.presence === "absent") absent = true;
  }
  if (present && absent) return "the label must be both present and absent";
  if (allowed !== undefined && allowed.size === 0) return "no value is allowed by all of them";
  if (allowed !== undefined && [...allowed].every((v) => excluded.has(v))) return "every value allowed is also excluded";
  return undefined;
}

const list = (values: readonly string[]): string => `[${values.join(", ")}]`;

/** The contradiction in a Kubernetes LabelSelector, if any (paths relative to the selector). */
export function labelSelectorContradiction(selector: LabelSelector): Contradiction | undefined {
  const clauses: Clause[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    clauses.push({ key, values: [value], text: `matchLabels ${key}: ${value}`, path: `matchLabels.${key}` });
  }
  selector.matchExpressions.forEach((e, i) => {
    const path = `matchExpressions.${i}`;
    switch (e.operator) {
      case "In":
        clauses.push({ key: e.key, values: e.values, text: `${e.key} In ${list(e.values)}`, path });
        break;
      case "NotIn":
        clauses.push({ key: e.key, excluded: e.values, text: `${e.key} NotIn ${list(e.values)}`, path });
        break;
      case "Exists":
        clauses.push({ key: e.key, presence: "present", text: `${e.key} Exists`, path });
        break;
      case "DoesNotExist":
        clauses.push({ key: e.key, presence: "absent", text: `${e.key} DoesNotExist`, path });
        break;
    }
  });
  return firstContradiction(clauses);
}

/** The clauses of a Calico selector's top-level conjunction that read one label. */
function calicoClauses(selector: Selector, out: Clause[]): void {
  const text = printSelector(selector);
  switch (selector.kind) {
    case "and":
      for (const operand of selector.operands) calicoClauses(operand, out);
      return;
    case "eq":
      out.push({ key: selector.label, values: [selector.value], text });
      return;
    case "in":
      out.push({ key: selector.label, values: selector.values, text });
      return;
    case "ne":
      out.push({ key: selector.label, excluded: [selector.value], text });
      return;
    case "notIn":
      out.push({ key: selector.label, excluded: selector.values, text });
      return;
    case "has":
    case "contains":
    case "startsWith":
    case "endsWith":
      out.push({ key: selector.label, presence: "present", text });
      return;
    case "not": {
      const inner = selector.operand;
      if (inner.kind === "has") out.push({ key: inner.label, presence: "absent", text });
      else if (inner.kind === "eq") out.push({ key: inner.label, excluded: [inner.value], text });
      else if (inner.kind === "in") out.push({ key: inner.label, excluded: inner.values, text });
      return;
    }
    case "all":
    case "global":
    case "or":
      return;
  }
}

/** The contradiction in a Calico selector's top-level conjunction, if any. */
export function calicoSelectorContradiction(selector: Selector): Contradiction | undefined {
  const clauses: Clause[] = [];
  calicoClauses(selector, clauses);
  return firstContradiction(clauses);
}

/** `a and b contradict each other on label 'k': why`. */
export function describeContradiction(c: Contradiction): string {
  const all = [...c.earlier, c.clause].map((x) => `'${x.text}'`);
  return `${all.join(" and ")} contradict each other on label '${c.key}' (${c.why})`;
}
