/**
 * `findShadowedRules`: rules that can never decide, because something evaluated before them
 * decides every packet they match (Felix's evaluation order, see evaluateFlow.ts):
 *
 * 1. an earlier rule of the same policy and direction that decides (Allow, Deny, Pass; not Log);
 * 2. a rule that decides in a policy earlier in the same tier that applies to every endpoint the
 *    policy applies to (Allow, Deny and Pass all end the tier for the packet);
 * 3. an Allow or Deny rule in such a policy of an earlier tier, when nothing up to it in that tier
 *    could Pass the packet on (a Pass goes to the next tier, which may be the rule's own).
 *
 * "Every packet they match" is `ruleCovers` (ruleCoverage.ts), and "applies to every endpoint"
 * compares the policies' selections, each either structurally or given the input's endpoints. A
 * finding is `structural` only when both are. The search is sound and not complete (a rule
 * covered by several rules together is not found). Cluster-scoped policies decide here only
 * through rules that match everything (failed closed); their own rules are not checked.
 */
import type { K8sPolicyRule } from "../../model/types.js";
import { isEmptyBits } from "../bits.js";
import { hasType } from "../prepareModel.js";
import type { Prepared, PreparedPolicy, PreparedRule } from "../types.js";
import { k8sPeerKey, ruleCovers, weaker, type Certainty, type CoverageRule } from "./ruleCoverage.js";
import type { PolicyResource } from "./policySources.js";

export type Direction = "ingress" | "egress";

/** A rule of a prepared policy, by position. */
export interface RuleAt {
  readonly policy: PreparedPolicy;
  readonly direction: Direction;
  readonly index: number;
  readonly rule: PreparedRule;
}

export interface ShadowedRule extends RuleAt {
  /** The rule that decides first. */
  readonly by: RuleAt;
  readonly certainty: Certainty;
}

/** An earlier policy and how sure it is that it applies wherever the rule's policy does. */
interface Covering {
  readonly q: PreparedPolicy;
  readonly sel: Certainty | undefined;
}

const TYPE: Record<Direction, "Ingress" | "Egress"> = { ingress: "Ingress", egress: "Egress" };

/** Whether a rule's action ends the evaluation of its tier (Log goes on to the next rule). */
const decidesInTier = (rule: PreparedRule): boolean => rule.action !== "Log";

/** The word indexes where a bit set has members (to compare selections fast). */
function nonZeroWords(bits: Readonly<Uint32Array>): number[] {
  const out: number[] = [];
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0) out.push(w);
  return out;
}

const emptyLabelSelector = (s: { matchLabels: object; matchExpressions: readonly unknown[] }): boolean =>
  Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;
const allSelector = (text: string): boolean => text.trim() === "" || text.trim() === "all()";

/**
 * Whether policy `q` applies to every endpoint `p` applies to, for any endpoints ("structural"):
 * a global all() policy; a namespace-wide policy of `p`'s namespace (a Kubernetes one only over
 * Kubernetes policies, which select pods alone); or the same selection written the same way.
 */
function selectsStructurally(q: PolicyResource, p: PolicyResource): boolean {
  const ns = (r: PolicyResource): string | undefined => r.metadata.namespace ?? "default";
  switch (q.kind) {
    case "GlobalNetworkPolicy":
      if (allSelector(q.selector.text) && !q.namespaceSelector && !q.serviceAccountSelector) return true;
      return p.kind === "GlobalNetworkPolicy" && q.selector.text === p.selector.text && q.namespaceSelector?.text === p.namespaceSelector?.text && q.serviceAccountSelector?.text === p.serviceAccountSelector?.text;
    case "V1Policy":
      return allSelector(q.selector.text) || (p.kind === "V1Policy" && q.selector.text === p.selector.text);
    case "NetworkPolicy":
      if ((p.kind !== "NetworkPolicy" && p.kind !== "K8sNetworkPolicy") || ns(p) !== ns(q)) return false;
      if (allSelector(q.selector.text) && !q.serviceAccountSelector) return true;
      return p.kind === "NetworkPolicy" && q.selector.text === p.selector.text && q.serviceAccountSelector?.text === p.serviceAccountSelector?.text;
    case "K8sNetworkPolicy":
      return p.kind === "K8sNetworkPolicy" && ns(p) === ns(q) && (emptyLabelSelector(q.podSelector) || JSON.stringify(q.podSelector) === JSON.stringify(p.podSelector));
    case "ClusterNetworkPolicy":
      return false;
  }
}

/**
 * The shadowed rules of `prepared` (workload tiers). `source` finds a policy's resource (for
 * structural comparisons and Kubernetes peers); `skip` leaves rules out (already reported by
 * another check).
 */
export function findShadowedRules(prepared: Prepared, source: (p: PreparedPolicy) => PolicyResource | undefined, skip: (at: RuleAt) => boolean = () => false): ShadowedRule[] {
  const coverage = new Map<PreparedRule, CoverageRule>();
  const coverageOf = (policy: PreparedPolicy, direction: Direction, index: number, rule: PreparedRule): CoverageRule => {
    let c = coverage.get(rule);
    if (!c) {
      if (rule.kind === "calico") c = { kind: "calico", rule };
      else if (rule.kind === "k8s") {
        const r = sourceOf(policy);
        const written: K8sPolicyRule | undefined = r?.kind === "K8sNetworkPolicy" ? r[direction][index] : undefined;
        const ns = r?.metadata.namespace ?? "default";
        c = { kind: "k8s", rule, peerKeys: rule.peers.map((_, j) => (written?.peers[j] && !written.peers[j]!.ipBlock ? k8sPeerKey(ns, written.peers[j]!) : undefined)) };
      } else c = { kind: "other", rule };
      coverage.set(rule, c);
    }
    return c;
  };
  const words = new Map<PreparedPolicy, number[]>();
  const wordsOf = (p: PreparedPolicy): number[] => {
    let w = words.get(p);
    if (!w) words.set(p, (w = nonZeroWords(p.selects)));
    return w;
  };
  // The global policies that apply to some host endpoint (prepared again for the host side).
  const policyKey = (p: PreparedPolicy): string => `${p.file}\u0000${p.kind}\u0000${p.display}`;
  const onHosts = new Set(prepared.host.tiers.flatMap((t) => t.policies.filter((p) => !isEmptyBits(p.selects)).map(policyKey)));
  const sources = new Map<PreparedPolicy, PolicyResource | undefined>();
  const sourceOf = (p: PreparedPolicy): PolicyResource | undefined => {
    if (!sources.has(p)) sources.set(p, source(p));
    return sources.get(p);
  };
  /**
   * How sure it is that `q` applies wherever `p` does (undefined: not shown). Given the input,
   * only when `p` applies to some endpoint: otherwise the claim would say nothing.
   */
  const selectsCover = (q: PreparedPolicy, p: PreparedPolicy): Certainty | undefined => {
    // A structural cover implies one over the input, so the cheap bit test goes first.
    const pw = wordsOf(p);
    for (const w of pw) if ((p.selects[w]! & ~q.selects[w]!) !== 0) return undefined;
    const rq = sourceOf(q);
    const rp = sourceOf(p);
    const structural = rq !== undefined && rp !== undefined && selectsStructurally(rq, rp);
    // `selects` counts workloads only: a global policy that also applies to host endpoints of the
    // input is covered there only by a global policy that applies to every endpoint it does.
    if (onHosts.has(policyKey(p))) return structural && (q.kind === "GlobalNetworkPolicy" || q.kind === "V1Policy") ? "structural" : undefined;
    if (structural) return "structural";
    return pw.length > 0 ? "input" : undefined;
  };

  const out: ShadowedRule[] = [];
  prepared.tiers.forEach((tier, t) => {
    tier.policies.forEach((policy, i) => {
      if (policy.kind === "ClusterNetworkPolicy" || policy.kind === "AdminNetworkPolicy" || policy.kind === "BaselineAdminNetworkPolicy") return;
      for (const direction of ["ingress", "egress"] as const) {
        if (!hasType(policy, TYPE[direction])) continue;
        const rules = policy[direction];
        // The policies evaluated before this one that apply to its endpoints, once per direction.
        let before: { readonly sameTier: Covering[]; readonly earlierTiers: Covering[][] } | undefined;
        const policiesBefore = (): NonNullable<typeof before> =>
          (before ??= {
            sameTier: tier.policies.slice(0, i).flatMap((q) => (hasType(q, TYPE[direction]) ? [{ q, sel: selectsCover(q, policy) }] : [])),
            earlierTiers: prepared.tiers.slice(0, t).map((u) => u.policies.flatMap((q) => (hasType(q, TYPE[direction]) ? [{ q, sel: selectsCover(q, policy) }] : []))),
          });
        rules.forEach((rule, index) => {
          const at: RuleAt = { policy, direction, index, rule };
          if (skip(at)) return;
          const r = coverageOf(policy, direction, index, rule);
          // The best decider so far: a structural one ends the search.
          const best: { found?: { by: RuleAt; certainty: Certainty } } = {};
          const settled = (): boolean => best.found?.certainty === "structural";
          const consider = (by: RuleAt, certainty: Certainty | undefined): boolean => {
            if (certainty !== undefined && (best.found === undefined || (best.found.certainty === "input" && certainty === "structural"))) best.found = { by, certainty };
            return settled();
          };
          // 1. Earlier rules of the same policy.
          for (let j = 0; j < index; j++) {
            const e = rules[j]!;
            if (decidesInTier(e) && consider({ policy, direction, index: j, rule: e }, ruleCovers(coverageOf(policy, direction, j, e), r))) break;
          }
          if (!settled()) {
            // 2. Earlier policies of the same tier.
            for (const { q, sel } of policiesBefore().sameTier) {
              if (sel === undefined) continue;
              const qRules = q[direction];
              for (let j = 0; j < qRules.length; j++) {
                const e = qRules[j]!;
                if (decidesInTier(e) && consider({ policy: q, direction, index: j, rule: e }, weaker(sel, ruleCovers(coverageOf(q, direction, j, e), r)))) break;
              }
              if (settled()) break;
            }
            // 3. Earlier tiers, up to the first rule that could Pass the packet on.
            for (const earlier of policiesBefore().earlierTiers) {
              if (settled()) break;
              let passes = false;
              for (const { q, sel } of earlier) {
                if (passes || settled()) break;
                for (let j = 0; j < q[direction].length; j++) {
                  const e = q[direction][j]!;
                  if (e.action === "Pass") {
                    // Conservative: any Pass ends the search in this tier (its policy may apply to
                    // these endpoints, now or once other endpoints exist).
                    passes = true;
                    break;
                  }
                  if (sel !== undefined && (e.action === "Allow" || e.action === "Deny") && consider({ policy: q, direction, index: j, rule: e }, weaker(sel, ruleCovers(coverageOf(q, direction, j, e), r)))) break;
                }
              }
            }
          }
          if (best.found) out.push({ ...at, ...best.found });
        });
      }
    });
  });
  return out;
}
