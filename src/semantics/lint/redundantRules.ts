/**
 * `findRedundant` (`policyc lint --deep`): rules and policies whose removal changes no verdict,
 * decided exactly over the input's equivalence classes (equivalenceClasses.ts): the class
 * reachability of every probe (each protocol the rules name or not, every port interval, the
 * source port intervals when some rule reads source ports, the ICMP types and codes the rules
 * name) is computed with and without the candidate and compared.
 *
 * Classes cover flows between workload endpoints only. So that "no verdict changes" also holds
 * for outside addresses and host endpoints, candidates are limited to what cannot match those:
 * - a rule whose peer (the source of an ingress rule, the destination of an egress rule) is
 *   given by a selector that matches workload endpoints only (no network set, no host endpoint,
 *   no service), or by Kubernetes peers that are all pod selectors;
 * - a policy all of whose rules are such, whose endpoints each stay under another policy of the
 *   same tier in each of its directions (so the tier still applies to them, and an outside flow
 *   meets the same rules and the same tier end), and that is not global while the input has host
 *   endpoints (a global policy applies to those too).
 * Shadowed rules (found separately) are left out: they are redundant already.
 *
 * The cost is (candidates) x (probes) class-reachability computations, so the check only runs
 * with --deep, and not at all past `REDUNDANCY_BUDGET` (reported, not silent).
 */
import { PROTO_IPIP } from "../../calico/index.js";
import type { Bits } from "../bits.js";
import { emptyBits, isEmptyBits, orInPlace, setBit } from "../bits.js";
import { classReachability, type Probe } from "../classReachability.js";
import { equivalenceClasses, type EquivalenceClasses } from "../equivalenceClasses.js";
import { hasType } from "../prepareModel.js";
import type { Family, Prepared, PreparedEntity, PreparedPolicy, PreparedRule, PreparedTier } from "../types.js";
import { bitsSubset } from "./ruleCoverage.js";
import type { Direction, RuleAt } from "./shadowedRules.js";

export type Redundant = { readonly kind: "rule"; readonly at: RuleAt } | { readonly kind: "policy"; readonly policy: PreparedPolicy };

const PORT_PROTOCOLS = [6, 17, 132];
const TYPE: Record<Direction, "Ingress" | "Egress"> = { ingress: "Ingress", egress: "Egress" };

/** Every rule of the workload tiers, with where it is. */
function allRules(prepared: Prepared): RuleAt[] {
  const out: RuleAt[] = [];
  for (const tier of prepared.tiers) for (const policy of tier.policies) for (const direction of ["ingress", "egress"] as const) policy[direction].forEach((rule, index) => out.push({ policy, direction, index, rule }));
  return out;
}

/** The probes that tell every verdict of `family` apart (see the module comment). */
function probes(prepared: Prepared, classes: EquivalenceClasses, family: Family): Probe[] {
  const rules = [...allRules(prepared).map((r) => r.rule), ...Object.values(prepared.profiles).flatMap((p) => [...p.ingress, ...p.egress])];
  const readsSourcePorts = rules.some((r) => r.kind === "calico" && (r.source.ports.length > 0 || r.source.notPorts.length > 0));
  const out: Probe[] = [];
  for (const protocol of PORT_PROTOCOLS) {
    const intervals = classes.portIntervals(protocol);
    const sources = readsSourcePorts ? intervals.map((i) => i.first) : [40000];
    for (const dst of intervals) for (const srcPort of sources) out.push({ protocol, srcPort, dstPort: dst.first });
  }
  const icmp = family === 4 ? 1 : 58;
  const types = new Set<number>([255]);
  const codes = new Set<number>([255]);
  const others = new Set<number>([PROTO_IPIP]);
  for (const r of rules) {
    if (r.kind !== "calico") continue;
    for (const m of [r.icmp, r.notICMP]) {
      if (m?.type !== undefined) types.add(m.type);
      if (m?.code !== undefined) codes.add(m.code);
    }
    for (const p of [r.protocol, r.notProtocol]) if (p !== undefined && !PORT_PROTOCOLS.includes(p) && p !== 1 && p !== 58) others.add(p);
  }
  for (const icmpType of types) for (const icmpCode of codes) out.push({ protocol: icmp, icmpType, icmpCode });
  // One protocol no rule names stands for all of them.
  let unnamed = 2;
  while (others.has(unnamed) || unnamed === 6 || unnamed === 17 || unnamed === 58 || unnamed === 132) unnamed++;
  for (const protocol of [...others, unnamed]) out.push({ protocol });
  return out;
}

/** The reachability of every probe, as the allowed destinations of each class. */
function matrices(prepared: Prepared, classes: EquivalenceClasses, all: readonly Probe[]): (stop: (probe: number, rows: readonly Bits[]) => boolean) => boolean {
  return (stop) => {
    for (let p = 0; p < all.length; p++) {
      const r = classReachability(prepared, classes, all[p]!, (m) => m.local);
      const rows = classes.endpoints.map((c) => r.allowedFrom(c.index));
      if (stop(p, rows)) return true;
    }
    return false;
  };
}

const sameRows = (a: readonly Bits[], b: readonly Bits[]): boolean => a.every((row, i) => row.length === b[i]!.length && row.every((w, k) => w === b[i]![k]));

export function withoutRule(prepared: Prepared, at: RuleAt): Prepared {
  const policy: PreparedPolicy = { ...at.policy, [at.direction]: at.policy[at.direction].filter((r) => r !== at.rule) };
  return { ...prepared, tiers: prepared.tiers.map((t) => (t.policies.includes(at.policy) ? { ...t, policies: t.policies.map((p) => (p === at.policy ? policy : p)) } : t)) };
}

export function withoutPolicy(prepared: Prepared, policy: PreparedPolicy): Prepared {
  return { ...prepared, tiers: prepared.tiers.map((t) => (t.policies.includes(policy) ? { ...t, policies: t.policies.filter((p) => p !== policy) } : t)) };
}

/**
 * The work the check may do: candidates x probes x endpoint classes (each probe of each candidate
 * walks every class's policies, some microseconds each on a small input). Tens of seconds of CPU
 * at the limit; shape S (10,000 pods: 7,131 classes, 190 probes, 1,725 candidates) is far over it,
 * and one probe there alone costs about a second.
 */
export const REDUNDANCY_BUDGET = 2_000_000;

export interface RedundancyResult {
  readonly found: readonly Redundant[];
  /** Set when the input is too large for the check (see `REDUNDANCY_BUDGET`): nothing was checked. */
  readonly skipped?: { readonly candidates: number; readonly probes: number; readonly classes: number };
}

/** The rules and policies whose removal changes no verdict (see the module comment). */
export function findRedundant(prepared: Prepared, shadowed: ReadonlySet<PreparedRule>, budget = REDUNDANCY_BUDGET): RedundancyResult {
  const size = prepared.members.length;
  const workloads = emptyBits(size);
  for (const m of prepared.members) if (m.workload) setBit(workloads, m.index);
  const hasHosts = prepared.members.some((m) => m.host !== undefined);
  // A peer selector that matches nothing is selector-matches-nothing's finding, not this one's.
  const memberOnly = (e: PreparedEntity): boolean => !e.service && e.selector !== undefined && !isEmptyBits(e.selector.members) && bitsSubset(e.selector.members, workloads);
  const ruleCandidate = (at: RuleAt): boolean => {
    const r = at.rule;
    if (shadowed.has(r)) return false;
    if ((at.policy.kind === "GlobalNetworkPolicy" || at.policy.kind === "V1Policy") && hasHosts) return false;
    switch (r.kind) {
      case "calico":
        return memberOnly(at.direction === "ingress" ? r.source : r.destination);
      case "k8s":
        return r.peers.length > 0 && r.peers.every((p) => p.members !== undefined && !p.ipBlock) && r.peers.some((p) => !isEmptyBits(p.members!));
      case "cluster":
        return false;
    }
  };
  const policyCandidate = (tier: PreparedTier, policy: PreparedPolicy): boolean => {
    if (policy.kind !== "K8sNetworkPolicy" && policy.kind !== "NetworkPolicy" && (policy.kind !== "GlobalNetworkPolicy" || hasHosts) && (policy.kind !== "V1Policy" || hasHosts)) return false;
    for (const direction of ["ingress", "egress"] as const) {
      if (!policy[direction].every((rule, index) => shadowed.has(rule) || ruleCandidate({ policy, direction, index, rule }))) return false;
      if (!hasType(policy, TYPE[direction])) continue;
      const others = emptyBits(size);
      for (const q of tier.policies) if (q !== policy && hasType(q, TYPE[direction])) orInPlace(others, q.selects);
      if (!bitsSubset(policy.selects, others)) return false;
    }
    return !isEmptyBits(policy.selects);
  };

  const rules = allRules(prepared).filter(ruleCandidate);
  const policies = prepared.tiers.flatMap((t) => t.policies.filter((p) => policyCandidate(t, p)));
  if (rules.length === 0 && policies.length === 0) return { found: [] };

  const partitions = ([4, 6] as const).flatMap((family) => {
    const classes = equivalenceClasses(prepared, family);
    return classes.endpoints.length === 0 ? [] : [{ classes, all: probes(prepared, classes, family) }];
  });
  const candidates = rules.length + policies.length;
  const probeCount = partitions.reduce((n, p) => n + p.all.length, 0);
  const classCount = partitions.reduce((n, p) => Math.max(n, p.classes.endpoints.length), 0);
  if (candidates * probeCount * classCount > budget) return { found: [], skipped: { candidates, probes: probeCount, classes: classCount } };

  const families = partitions.map(({ classes, all }) => {
    const baseline: (readonly Bits[])[] = [];
    matrices(prepared, classes, all)((p, rows) => {
      baseline[p] = rows;
      return false;
    });
    return { classes, all, baseline };
  });
  const unchanged = (changed: Prepared): boolean => families.every(({ classes, all, baseline }) => !matrices(changed, classes, all)((p, rows) => !sameRows(rows, baseline[p]!)));

  const out: Redundant[] = [];
  for (const policy of policies) if (unchanged(withoutPolicy(prepared, policy))) out.push({ kind: "policy", policy });
  const redundantPolicies = new Set(out.map((r) => (r.kind === "policy" ? r.policy : undefined)));
  for (const at of rules) if (!redundantPolicies.has(at.policy) && unchanged(withoutRule(prepared, at))) out.push({ kind: "rule", at });
  return { found: out };
}
