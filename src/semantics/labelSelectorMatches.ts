/**
 * Kubernetes LabelSelector semantics (k8s.io/apimachinery `metav1.LabelSelectorAsSelector`):
 * every matchLabels pair and every matchExpressions requirement must hold; an empty selector
 * matches everything.
 */
import type { Labels, LabelSelector } from "../model/types.js";

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether `labels` satisfy the Kubernetes label selector. */
export function labelSelectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const value = (key: string): string | undefined => (hasOwn.call(labels, key) ? labels[key] : undefined);
  for (const [key, want] of Object.entries(selector.matchLabels)) {
    if (value(key) !== want) return false;
  }
  for (const req of selector.matchExpressions) {
    const v = value(req.key);
    switch (req.operator) {
      case "In":
        if (v === undefined || !req.values.includes(v)) return false;
        break;
      case "NotIn":
        if (v !== undefined && req.values.includes(v)) return false;
        break;
      case "Exists":
        if (v === undefined) return false;
        break;
      case "DoesNotExist":
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}
