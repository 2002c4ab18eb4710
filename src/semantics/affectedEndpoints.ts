/**
 * `affectedEndpoints`: between two versions of a model that differ only in their policies, the
 * endpoints whose egress or ingress verdicts can differ, so that `policyDiff` compares only the
 * flows from or to them.
 *
 * A direction's verdict at an endpoint (`evaluateDirection`, and the walks of `ClassWalker`) reads
 * the policies that apply to the endpoint in that direction, in tier and policy order, their
 * rules, the tiers' default actions, the endpoint's profiles, the members (labels, addresses,
 * named ports, network sets), the services and the node's settings. When everything but the
 * policies is equal in both versions, and a policy that applies to an endpoint in one version is
 * equal (rules, selection, tier and order key) to one in the other, the endpoint's policies in
 * that direction are the same list in both, so its verdict is the same for every peer, port and
 * protocol. Only endpoints selected by a policy that exists in one version alone, or differs
 * between them, can change: a flow can change only where its source is affected in egress or its
 * destination in ingress.
 *
 * Positions (`file`, `path`: where a policy or rule is written) are not compared; moving a policy
 * to another file changes no verdict. Returns undefined when the shortcut does not hold: anything
 * other than policies differs (members, profiles, settings, a tier's order or default action), or
 * either version has host endpoints (their chains take part in workload flows: hostFlow.ts).
 */
import type { Bits } from "./bits.js";
import { emptyBits, orInPlace } from "./bits.js";
import { hasHostEndpoints } from "./classReachability.js";
import type { Prepared, PreparedPolicy } from "./types.js";

/** Per direction, the members (by index, the same in both versions) whose verdicts can change. */
export interface AffectedEndpoints {
  readonly egress: Bits;
  readonly ingress: Bits;
}

/** The endpoints whose verdicts can differ between `before` and `after` (see the module comment). */
export function affectedEndpoints(before: Prepared, after: Prepared): AffectedEndpoints | undefined {
  if (hasHostEndpoints(before) || hasHostEndpoints(after)) return undefined;
  if (before.dataplane !== after.dataplane || before.members.length !== after.members.length) return undefined;
  for (let i = 0; i < before.members.length; i++) if (!sameData(before.members[i], after.members[i])) return undefined;
  if (!sameData(before.profiles, after.profiles) || !sameData(before.settings, after.settings)) return undefined;
  if (!sameData(before.hostEncapsulation, after.hostEncapsulation)) return undefined;
  if (!sameData(before.host.local, after.host.local)) return undefined;
  // Tiers in both versions: the same order key and default action, in the same relative order.
  const afterTiers = new Map(after.tiers.map((t) => [t.name, t]));
  const beforeNames = new Set(before.tiers.map((t) => t.name));
  const common = before.tiers.filter((t) => afterTiers.has(t.name));
  const commonAfter = after.tiers.filter((t) => beforeNames.has(t.name));
  for (let i = 0; i < common.length; i++) {
    const b = common[i]!;
    const a = commonAfter[i]!;
    if (b.name !== a.name || b.order !== a.order || b.defaultAction !== a.defaultAction || b.defined !== a.defined) return undefined;
  }
  const size = before.members.length;
  const egress = emptyBits(size);
  const ingress = emptyBits(size);
  const beforePolicies = byIdentity(before);
  const afterPolicies = byIdentity(after);
  const mark = (own: Map<string, PreparedPolicy[]>, other: Map<string, PreparedPolicy[]>): void => {
    for (const [identity, policies] of own) {
      const counterparts = other.get(identity);
      if (policies.length === 1 && counterparts?.length === 1 && sameData(policies[0], counterparts[0])) continue;
      for (const p of policies) {
        if (p.types.includes("Egress")) orInPlace(egress, p.selects);
        if (p.types.includes("Ingress")) orInPlace(ingress, p.selects);
      }
    }
  };
  mark(beforePolicies, afterPolicies);
  mark(afterPolicies, beforePolicies);
  return { egress, ingress };
}

/** The workload tiers' policies by kind and name (a name taken twice is compared as changed). */
function byIdentity(prepared: Prepared): Map<string, PreparedPolicy[]> {
  const out = new Map<string, PreparedPolicy[]>();
  for (const tier of prepared.tiers) {
    for (const p of tier.policies) {
      const identity = `${p.kind} ${p.key.kind} ${p.key.namespace ?? ""} ${p.key.name}`;
      let list = out.get(identity);
      if (!list) out.set(identity, (list = []));
      list.push(p);
    }
  }
  return out;
}

/** Keys that say where something is written, not what it does. */
const POSITION_KEYS = new Set(["file", "path"]);

/**
 * Structural equality of prepared data (plain objects, arrays, typed arrays, sets, maps and
 * primitives), ignoring `file` and `path` at any depth.
 */
export function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
    return true;
  }
  if (Array.isArray(a)) {
    const y = b as unknown[];
    if (a.length !== y.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], y[i])) return false;
    return true;
  }
  if (a instanceof Set) {
    const y = b as Set<unknown>;
    if (a.size !== y.size) return false;
    // Sets of prepared data hold strings and numbers.
    for (const v of a) if (!y.has(v)) return false;
    return true;
  }
  if (a instanceof Map) {
    const y = b as Map<unknown, unknown>;
    if (a.size !== y.size) return false;
    for (const [k, v] of a) if (!y.has(k) || !sameData(v, y.get(k))) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => !POSITION_KEYS.has(k));
  const otherKeys = Object.keys(y).filter((k) => !POSITION_KEYS.has(k));
  if (keys.length !== otherKeys.length) return false;
  for (const k of keys) {
    if (!Object.prototype.hasOwnProperty.call(y, k)) return false;
    if (!sameData(x[k], y[k])) return false;
  }
  return true;
}
