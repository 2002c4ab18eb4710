/**
 * Small AST builders for the selectors the compiler synthesizes (effective rule selectors,
 * Kubernetes conversions, tags). They build exactly the tree that Calico's parser would build
 * from the text Calico concatenates (`(a) && (b)`), so canonical text and ids match Calico's:
 * a parenthesized group stays a nested node.
 */
import type { Selector } from "../../model/types.js";
import { compareUtf8 } from "../../calico/index.js";

export { NAME_LABEL, NAMESPACE_LABEL, ORCHESTRATOR_LABEL, SERVICE_ACCOUNT_LABEL } from "../../calico/index.js";

export const ALL: Selector = { kind: "all" };

export function hasLabel(label: string): Selector {
  return { kind: "has", label };
}

export function eqLabel(label: string, value: string): Selector {
  return { kind: "eq", label, value };
}

/** `label in {values}` with values de-duplicated and sorted by UTF-8 bytes (canonical form). */
export function inLabel(label: string, values: readonly string[]): Selector {
  return { kind: "in", label, values: sortUtf8([...new Set(values)]) };
}

/** `(a) && (b) && ...`: one n-ary AND whose operands keep their own grouping. */
export function andSelectors(...operands: readonly Selector[]): Selector {
  if (operands.length === 1 && operands[0]) return operands[0];
  return { kind: "and", operands };
}

/** `!(s)`. */
export function notSelector(operand: Selector): Selector {
  return { kind: "not", operand };
}

/**
 * Rewrites every label name with `rename` and replaces `all()`/`global()` with `onAll()` /
 * `onGlobal()` (Calico's `pcns.` / `pcsa.` prefixing in up/selectors.go).
 */
export function mapLabels(
  selector: Selector,
  rename: (label: string) => string,
  onAll: () => Selector = () => ALL,
  onGlobal: () => Selector = () => ({ kind: "global" }),
): Selector {
  const walk = (s: Selector): Selector => {
    switch (s.kind) {
      case "all":
        return onAll();
      case "global":
        return onGlobal();
      case "has":
        return { kind: "has", label: rename(s.label) };
      case "eq":
      case "ne":
      case "contains":
      case "startsWith":
      case "endsWith":
        return { kind: s.kind, label: rename(s.label), value: s.value };
      case "in":
      case "notIn":
        return { kind: s.kind, label: rename(s.label), values: s.values };
      case "not":
        return { kind: "not", operand: walk(s.operand) };
      case "and":
      case "or":
        return { kind: s.kind, operands: s.operands.map(walk) };
    }
  };
  return walk(selector);
}

/** Sorts strings by UTF-8 byte order (Go's string order), not UTF-16 code units. */
export function sortUtf8(values: string[]): string[] {
  return values.sort(compareUtf8);
}
