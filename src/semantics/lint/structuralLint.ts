/**
 * The lint checks that read the policies alone, not the endpoints (so they hold for any cluster
 * the policies are applied to):
 *
 * - `impossible-selector` (warning): a selector that can never match (see selectorContradiction.ts):
 *   a Kubernetes podSelector, namespaceSelector or a cluster-scoped policy's selectors; a Calico
 *   policy's selector, namespaceSelector or serviceAccountSelector, and a rule's selector,
 *   notSelector, namespaceSelector or serviceAccounts selector.
 * - `allow-after-deny-all` (warning): in one policy or profile and direction, an Allow rule after
 *   a Deny rule with no match criteria at all: the Deny decides every packet first, so the Allow
 *   never does (Felix's rule order, felix/rules/policy.go: the rules of a policy are rendered in
 *   order and a Deny drops).
 */
import { assertNever } from "../../diagnostics/assertNever.js";
import { warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { EntityRule, LabelSelector, Model, Resource, Rule, SelectorField } from "../../model/types.js";
import { keySpanOf, spanOf } from "../../model/types.js";
import { clusterPolicySelectors } from "../../model/validate/build/clusterPolicy.js";
import { calicoSelectorContradiction, describeContradiction, labelSelectorContradiction } from "./selectorContradiction.js";

/** The structural findings of every resource of the model, in resource order. */
export function structuralLint(model: Model): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const r of model.resources) {
    const l = linted(r);
    if (l === undefined) continue;
    impossibleSelectors(l, out);
    allowAfterDenyAll(l, out);
  }
  return out;
}

const IMPOSSIBLE_HINT = "fix the values, or remove one of the clauses";

function reportLabelSelector(r: Resource, selector: LabelSelector, path: string, what: string, out: Diagnostic[]): void {
  const c = labelSelectorContradiction(selector);
  if (!c) return;
  const at = (p: string | undefined): string => (p === undefined ? path : `${path}.${p}`);
  out.push(
    warning("impossible-selector", `${what} can never match: ${describeContradiction(c)}; ${IMPOSSIBLE_HINT}`, keySpanOf(r.origin, at(c.clause.path)), [
      ...c.earlier.map((e) => ({ message: `'${e.text}' is here`, span: keySpanOf(r.origin, at(e.path)) })),
    ]),
  );
}

function reportCalicoSelector(r: Resource, field: SelectorField | undefined, path: string, what: string, out: Diagnostic[]): void {
  if (!field) return;
  const c = calicoSelectorContradiction(field.ast);
  if (!c) return;
  out.push(warning("impossible-selector", `${what} can never match: ${describeContradiction(c)}; ${IMPOSSIBLE_HINT}`, spanOf(r.origin, path)));
}

function entitySelectors(r: Resource, e: EntityRule, path: string, out: Diagnostic[]): void {
  reportCalicoSelector(r, e.selector, `${path}.selector`, "this selector", out);
  reportCalicoSelector(r, e.namespaceSelector, `${path}.namespaceSelector`, "this namespaceSelector", out);
  reportCalicoSelector(r, e.serviceAccounts?.selector, `${path}.serviceAccounts.selector`, "this serviceAccounts selector", out);
  // A notSelector that never matches excludes nothing: the rule is as if it were not there.
  reportCalicoSelector(r, e.notSelector, `${path}.notSelector`, "this notSelector (so it excludes nothing)", out);
}

function calicoRules(r: Resource, rules: readonly Rule[], out: Diagnostic[]): void {
  for (const rule of rules) {
    entitySelectors(r, rule.source, `${rule.path}.source`, out);
    entitySelectors(r, rule.destination, `${rule.path}.destination`, out);
  }
}

/** The kinds with selectors or rules of their own: the only ones these checks read. */
type Linted = Extract<Resource, { kind: "K8sNetworkPolicy" | "ClusterNetworkPolicy" | "NetworkPolicy" | "GlobalNetworkPolicy" | "V1Policy" | "Profile" | "V1Profile" }>;

function linted(r: Resource): Linted | undefined {
  switch (r.kind) {
    case "K8sNetworkPolicy":
    case "ClusterNetworkPolicy":
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "V1Policy":
    case "Profile":
    case "V1Profile":
      return r;
    case "Namespace":
    case "ServiceAccount":
    case "Pod":
    case "WorkloadEndpoint":
    case "V1WorkloadEndpoint":
    case "NetworkSet":
    case "GlobalNetworkSet":
    case "HostEndpoint":
    case "V1HostEndpoint":
    case "Tier":
    case "EndpointSlice":
    case "FelixConfiguration":
    case "IPPool":
    case "V1IPPool":
    case "Node":
    case "K8sNode":
    case "Workload":
      return undefined;
    default:
      return assertNever(r, "resource kind");
  }
}

function impossibleSelectors(r: Linted, out: Diagnostic[]): void {
  switch (r.kind) {
    case "K8sNetworkPolicy":
      reportLabelSelector(r, r.podSelector, "spec.podSelector", "this podSelector (so the policy selects no pod)", out);
      for (const rule of [...r.ingress, ...r.egress]) {
        for (const peer of rule.peers) {
          if (peer.podSelector) reportLabelSelector(r, peer.podSelector, `${peer.path}.podSelector`, "this podSelector", out);
          if (peer.namespaceSelector) reportLabelSelector(r, peer.namespaceSelector, `${peer.path}.namespaceSelector`, "this namespaceSelector", out);
        }
      }
      return;
    case "ClusterNetworkPolicy":
      for (const { selector, path } of clusterPolicySelectors(r)) reportLabelSelector(r, selector, path, "this selector", out);
      return;
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
      reportCalicoSelector(r, r.selector, "spec.selector", "this selector (so the policy selects no endpoint)", out);
      if (r.kind === "GlobalNetworkPolicy") reportCalicoSelector(r, r.namespaceSelector, "spec.namespaceSelector", "this namespaceSelector (so the policy selects no endpoint)", out);
      reportCalicoSelector(r, r.serviceAccountSelector, "spec.serviceAccountSelector", "this serviceAccountSelector (so the policy selects no endpoint)", out);
      calicoRules(r, [...r.ingress, ...r.egress], out);
      return;
    case "V1Policy":
      reportCalicoSelector(r, r.selector, "spec.selector", "this selector (so the policy selects no endpoint)", out);
      calicoRules(r, [...r.ingress, ...r.egress], out);
      return;
    case "Profile":
    case "V1Profile":
      calicoRules(r, [...r.ingress, ...r.egress], out);
      return;
    default:
      return assertNever(r, "resource kind");
  }
}

/** An entity with no criteria: it matches every peer. */
function emptyEntity(e: EntityRule): boolean {
  return (
    e.nets.length === 0 &&
    e.notNets.length === 0 &&
    e.ports.length === 0 &&
    e.notPorts.length === 0 &&
    e.selector === undefined &&
    e.notSelector === undefined &&
    e.namespaceSelector === undefined &&
    e.serviceAccounts === undefined &&
    e.tag === undefined &&
    e.notTag === undefined &&
    e.services === undefined
  );
}

/** A rule with no match criteria: it matches every packet of its direction, in both families. */
export function matchesEveryPacket(rule: Rule): boolean {
  return (
    rule.ipVersion === undefined &&
    rule.protocol === undefined &&
    rule.notProtocol === undefined &&
    rule.icmp === undefined &&
    rule.notICMP === undefined &&
    emptyEntity(rule.source) &&
    emptyEntity(rule.destination)
  );
}

/** The paths of the Allow rules reported by `allow-after-deny-all` (the shadowed-rule check skips them). */
export function allowsAfterDenyAll(rules: readonly Rule[]): { readonly allow: Rule; readonly deny: Rule }[] {
  const deny = rules.find((rule) => rule.action === "Deny" && matchesEveryPacket(rule));
  if (!deny) return [];
  return rules.slice(rules.indexOf(deny) + 1).flatMap((allow) => (allow.action === "Allow" ? [{ allow, deny }] : []));
}

/** `ingress rule 2`, as a reader counts (the direction from the rule's path). */
function ruleName(rules: readonly Rule[], rule: Rule): string {
  return `${rule.path.includes(".egress.") ? "egress" : "ingress"} rule ${rules.indexOf(rule) + 1}`;
}

function allowAfterDenyAll(r: Linted, out: Diagnostic[]): void {
  switch (r.kind) {
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "V1Policy":
    case "Profile":
    case "V1Profile":
      for (const rules of [r.ingress, r.egress]) {
        for (const { allow, deny } of allowsAfterDenyAll(rules)) {
          out.push(
            warning(
              "allow-after-deny-all",
              `this Allow rule never matches a packet: ${ruleName(rules, deny)} is a Deny with no match criteria, which denies every packet first; move the Allow before it, or remove it`,
              keySpanOf(r.origin, `${allow.path}.action`),
              [{ message: "the Deny rule that matches every packet", span: keySpanOf(r.origin, deny.path) }],
            ),
          );
        }
      }
      return;
    case "K8sNetworkPolicy":
    case "ClusterNetworkPolicy":
      return; // no Calico rules
    default:
      return assertNever(r, "resource kind");
  }
}
