/**
 * Selections that are empty over the input's endpoints (warnings: the input may be partial, and a
 * selector for pods that are not in it is not wrong):
 *
 * - `policy-selects-nothing`: a policy that applies to no endpoint (workload or host endpoint).
 * - `selector-matches-nothing`: a rule's selector (with its namespaceSelector and
 *   serviceAccounts, as Calico combines them), a Kubernetes or cluster-scoped peer, that matches no
 *   endpoint or network set; a namespaceSelector that matches no namespace of the input (its
 *   Namespaces and the namespaces of its endpoints).
 *
 * Nothing is reported for an input with no endpoints at all (a repository of policies alone), nor
 * for a selector that `impossible-selector` already reports (it never matches anything).
 */
import { warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { K8S_NAMESPACE_NAME_LABEL, NAME_LABEL, NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX } from "../../calico/index.js";
import { selectorMatches } from "../../model/selector/index.js";
import type { EntityRule, Labels, LabelSelector, Model, Resource, Rule, Selector } from "../../model/types.js";
import { keySpanOf, spanOf } from "../../model/types.js";
import { isEmptyBits } from "../bits.js";
import { policySelector } from "../effectiveSelector.js";
import { labelSelectorMatches } from "../labelSelectorMatches.js";
import type { Prepared, PreparedEntity, PreparedPolicy, PreparedRule } from "../types.js";
import { isPolicyResource, policyIdentity, type PolicyResource } from "./policySources.js";
import { calicoSelectorContradiction, labelSelectorContradiction } from "./selectorContradiction.js";

const PARTIAL = "(if those endpoints are simply not part of the input, silence this code in .policyc.yaml)";

/** What the check needs besides the model: the prepared model and the prepared policy of a resource. */
export interface UnmatchedContext {
  readonly model: Model;
  readonly prepared: Prepared;
  readonly preparedOf: (r: PolicyResource) => PreparedPolicy | undefined;
}

/** The empty selections of the input (see the module comment). */
export function unmatchedSelectors(ctx: UnmatchedContext): Diagnostic[] {
  const { model, prepared } = ctx;
  if (prepared.members.length === 0) return [];
  const namespaces = namespaceLabels(model, prepared);
  const hosts = prepared.members.filter((m) => m.host !== undefined);
  const out: Diagnostic[] = [];
  for (const r of model.resources) {
    if (isPolicyResource(r)) {
      policySelection(r, ctx.preparedOf(r), hosts.map((m) => m.labels), out);
      const p = ctx.preparedOf(r);
      if (p) policyRules(r, p, namespaces, out);
    } else if (r.kind === "Profile" || r.kind === "V1Profile") {
      const p = Object.hasOwn(prepared.profiles, r.metadata.name) ? prepared.profiles[r.metadata.name] : undefined;
      if (p && p.file === r.origin.file) calicoRules(r, [...r.ingress, ...r.egress], [...p.ingress, ...p.egress], namespaces, out);
    }
  }
  return out;
}

/**
 * The labels of every namespace of the input: its Namespaces, and the namespaces of endpoints
 * (their labels as the endpoints inherit them, `pcns.`-prefixed), each with the name labels
 * Kubernetes and Calico add.
 */
function namespaceLabels(model: Model, prepared: Prepared): Labels[] {
  const byName = new Map<string, Labels>();
  const named = (name: string, labels: Labels): Labels => ({ ...labels, [K8S_NAMESPACE_NAME_LABEL]: name, [NAME_LABEL]: name });
  for (const r of model.resources) if (r.kind === "Namespace") byName.set(r.metadata.name, named(r.metadata.name, r.metadata.labels));
  for (const m of prepared.members) {
    const ns = m.labels[NAMESPACE_LABEL];
    if (ns === undefined || byName.has(ns)) continue;
    const inherited: Record<string, string> = {};
    for (const [k, v] of Object.entries(m.labels)) if (k.startsWith(NAMESPACE_LABEL_PREFIX)) inherited[k.slice(NAMESPACE_LABEL_PREFIX.length)] = v;
    byName.set(ns, named(ns, inherited));
  }
  return [...byName.values()];
}

function policySelection(r: PolicyResource, p: PreparedPolicy | undefined, hostLabels: readonly Labels[], out: Diagnostic[]): void {
  if (p && !isEmptyBits(p.selects)) return;
  let path: string;
  switch (r.kind) {
    case "K8sNetworkPolicy":
      if (labelSelectorContradiction(r.podSelector)) return;
      path = "spec.podSelector";
      break;
    case "ClusterNetworkPolicy":
      path = "spec.subject";
      break;
    case "NetworkPolicy":
      if (calicoSelectorContradiction(r.selector.ast)) return;
      path = "spec.selector";
      break;
    case "GlobalNetworkPolicy":
    case "V1Policy": {
      // Global policies also apply to host endpoints (preDNAT and doNotTrack ones only to them).
      const sel: Selector = r.kind === "V1Policy" ? r.selector.ast : policySelector(r);
      if (calicoSelectorContradiction(sel) || hostLabels.some((l) => selectorMatches(sel, l))) return;
      if (!p && r.kind === "GlobalNetworkPolicy" && !r.preDNAT && !r.doNotTrack) return;
      path = "spec.selector";
      break;
    }
  }
  const { kind, display } = policyIdentity(r);
  const title = kind === "K8sNetworkPolicy" ? "NetworkPolicy" : kind === "NetworkPolicy" ? "Calico NetworkPolicy" : kind === "V1Policy" ? "policy" : kind;
  out.push(
    warning(
      "policy-selects-nothing",
      `${title} ${display} applies to no endpoint of the input, so it changes nothing here; check its selector against the endpoints' labels ${PARTIAL}`,
      keySpanOf(r.origin, path),
    ),
  );
}

function policyRules(r: PolicyResource, p: PreparedPolicy, namespaces: readonly Labels[], out: Diagnostic[]): void {
  switch (r.kind) {
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "V1Policy":
      calicoRules(r, [...r.ingress, ...r.egress], [...p.ingress, ...p.egress], namespaces, out);
      return;
    case "K8sNetworkPolicy":
      [...r.ingress, ...r.egress].forEach((rule, i) => {
        const prepared = [...p.ingress, ...p.egress][i];
        if (prepared?.kind !== "k8s") return;
        rule.peers.forEach((peer, j) => {
          if (peer.ipBlock) return;
          if (peer.namespaceSelector && namespaceSelectorMisses(peer.namespaceSelector, namespaces)) {
            if (!labelSelectorContradiction(peer.namespaceSelector)) out.push(namespaceWarning(r, `${peer.path}.namespaceSelector`));
            return;
          }
          const members = prepared.peers[j]?.members;
          if (!members || !isEmptyBits(members)) return;
          if ((peer.podSelector && labelSelectorContradiction(peer.podSelector)) || (peer.namespaceSelector && labelSelectorContradiction(peer.namespaceSelector))) return;
          out.push(warning("selector-matches-nothing", `this peer matches no pod of the input, so the rule allows nothing from it; check the selectors against the pods' and namespaces' labels ${PARTIAL}`, spanOf(r.origin, peer.path)));
        });
      });
      return;
    case "ClusterNetworkPolicy": {
      const byPath = new Map<string, PreparedRule>([...p.ingress, ...p.egress].map((x) => [x.path, x]));
      for (const rule of [...r.ingress, ...r.egress]) {
        const prepared = byPath.get(rule.path);
        if (prepared?.kind !== "cluster" || prepared.matchesAll) continue;
        rule.peers.forEach((peer, j) => {
          const pp = prepared.peers[j];
          if (!pp || !("members" in pp) || !isEmptyBits(pp.members)) return;
          const selectors: LabelSelector[] = peer.kind === "namespaces" ? [peer.namespaces] : peer.kind === "pods" ? [peer.pods.namespaceSelector, peer.pods.podSelector] : [];
          if (selectors.some((s) => labelSelectorContradiction(s))) return;
          out.push(warning("selector-matches-nothing", `this peer matches no endpoint of the input, so the rule never matches it; check its selectors ${PARTIAL}`, spanOf(r.origin, peer.path)));
        });
      }
      return;
    }
  }
}

const namespaceSelectorMisses = (s: LabelSelector, namespaces: readonly Labels[]): boolean => namespaces.length > 0 && !namespaces.some((l) => labelSelectorMatches(s, l));

function namespaceWarning(r: Resource, path: string): Diagnostic {
  return warning("selector-matches-nothing", `this namespaceSelector matches no Namespace of the input, so the rule never matches a peer by it; check it against the namespaces' labels ${PARTIAL}`, spanOf(r.origin, path));
}

function calicoRules(r: Resource, rules: readonly Rule[], prepared: readonly PreparedRule[], namespaces: readonly Labels[], out: Diagnostic[]): void {
  rules.forEach((rule, i) => {
    const p = prepared[i];
    if (p?.kind !== "calico") return;
    for (const side of ["source", "destination"] as const) entity(r, rule[side], p[side], `${rule.path}.${side}`, namespaces, out);
  });
}

function entity(r: Resource, e: EntityRule, pe: PreparedEntity, path: string, namespaces: readonly Labels[], out: Diagnostic[]): void {
  const written = [e.selector, e.namespaceSelector, e.serviceAccounts?.selector].filter((s) => s !== undefined);
  if (written.some((s) => calicoSelectorContradiction(s.ast))) return;
  if (e.namespaceSelector && namespaces.length > 0 && !containsGlobal(e.namespaceSelector.ast) && !namespaces.some((l) => selectorMatches(e.namespaceSelector!.ast, l))) {
    out.push(namespaceWarning(r, `${path}.namespaceSelector`));
    return;
  }
  if (!pe.selector || !isEmptyBits(pe.selector.members)) return;
  const field = e.selector ? "selector" : e.serviceAccounts ? "serviceAccounts" : e.namespaceSelector ? "namespaceSelector" : e.tag !== undefined ? "tag" : undefined;
  out.push(
    warning(
      "selector-matches-nothing",
      `this selector matches no endpoint or network set of the input${e.namespaceSelector || r.metadata.namespace !== undefined ? " (in the namespaces it applies to)" : ""}, so the rule never matches a peer; check it against the endpoints' labels ${PARTIAL}`,
      field ? spanOf(r.origin, `${path}.${field}`) : spanOf(r.origin, path),
    ),
  );
}

function containsGlobal(s: Selector): boolean {
  switch (s.kind) {
    case "global":
      return true;
    case "not":
      return containsGlobal(s.operand);
    case "and":
    case "or":
      return s.operands.some(containsGlobal);
    default:
      return false;
  }
}
