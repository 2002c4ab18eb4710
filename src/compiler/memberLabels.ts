/**
 * A member's effective labels in LAYERS: its own labels between what it shares with the other
 * members of its base (the labels its profiles give it, below; the labels Calico stamps on it,
 * above). Hundreds of thousands of pods share a few thousand bases, so the compiler reads one
 * label through the layers (`labelOf`) rather than building every member's label set
 * (`flattenLabels`, for the few members that need one: local workloads, a changed member).
 *
 * Contract: label values are strings (a validated model's are). `labelOf(own, base, key)` is
 * `labelValue(flattenLabels(own, base), key)` for every key (memberLabels.test.ts).
 */
import type { Labels } from "../model/types.js";
import { isReservedEndpointLabel } from "../calico/index.js";

/** What the members of one base share. */
export interface LabelBase {
  /** Labels inherited from profiles, already merged (earlier profiles win). */
  readonly inherited: Labels;
  /** Labels Calico stamps on the member, over its own. */
  readonly automatic: Labels;
  /** Whether the member's own `pcns.`/`pcsa.` labels are dropped (Calico strips them from workloads). */
  readonly strip: boolean;
}

/** The effective label set: inherited labels, overlaid by the own ones, overlaid by the automatic ones. */
export function flattenLabels(own: Labels, base: LabelBase): Labels {
  // Copied key by key: a spread copy was several times slower (the copies ended up as
  // dictionary-mode objects once more labels were added).
  const out: Record<string, string> = {};
  const { inherited, automatic } = base;
  for (const k in inherited) out[k] = inherited[k]!;
  for (const k in own) if (!base.strip || !isReservedEndpointLabel(k)) out[k] = own[k]!;
  for (const k in automatic) out[k] = automatic[k]!;
  return out;
}

/** Whether `key` is a label of the layer (a property `for...in` visits). */
function inLayer(layer: Labels, key: string, v: unknown): boolean {
  // Undefined: absent (label values are strings). Another non-string: a property the layer
  // inherits from Object.prototype (`constructor`...), unless the layer has it itself.
  return v !== undefined && (typeof v === "string" || Object.prototype.propertyIsEnumerable.call(layer, key));
}

/** One effective label (`labelValue(flattenLabels(own, base), key)`), without building the set. */
export function labelOf(own: Labels, base: LabelBase, key: string): string | undefined {
  // Assigning `__proto__` sets no property: no label set has it.
  if (key === "__proto__") return undefined;
  let v: unknown = base.automatic[key];
  if (inLayer(base.automatic, key, v)) return typeof v === "string" ? v : undefined;
  if (!base.strip || !isReservedEndpointLabel(key)) {
    v = own[key];
    if (inLayer(own, key, v)) return typeof v === "string" ? v : undefined;
  }
  v = base.inherited[key];
  return inLayer(base.inherited, key, v) && typeof v === "string" ? v : undefined;
}
