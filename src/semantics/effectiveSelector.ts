/**
 * The selectors Calico actually evaluates, built from the written ones exactly as the reference
 * builds them (libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go, `GetEntityRuleSelector`, for rules; networkpolicyprocessor.go and globalnetworkpolicyprocessor.go for the "policy-level
 * selector"). Label matching then happens against members' effective labels, which carry the
 * `pcns.`/`pcsa.` labels inherited from the namespace and service-account profiles.
 */
import type { CalicoNetworkPolicy, EntityRule, GlobalNetworkPolicy, Selector } from "../model/types.js";
import { andSelectors, mapLabels } from "../model/selector/index.js";
import { NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX, SERVICE_ACCOUNT_LABEL, SERVICE_ACCOUNT_LABEL_PREFIX } from "../calico/index.js";

const prefixed = (prefix: string) => (label: string) => prefix + label;

/** Replaces every `all()` (and `global()`) node, as Calico's text replacement does. */
function replacePseudo(selector: Selector, all: Selector, global: Selector): Selector {
  switch (selector.kind) {
    case "all":
      return all;
    case "global":
      return global;
    case "not":
      return { kind: "not", operand: replacePseudo(selector.operand, all, global) };
    case "and":
    case "or":
      return { kind: selector.kind, operands: selector.operands.map((s) => replacePseudo(s, all, global)) };
    default:
      return selector;
  }
}

const hasNamespace: Selector = { kind: "has", label: NAMESPACE_LABEL };
const noNamespace: Selector = { kind: "not", operand: hasNamespace };
const hasServiceAccount: Selector = { kind: "has", label: SERVICE_ACCOUNT_LABEL };

/** A namespaceSelector as Calico evaluates it: `pcns.` labels; all() = namespaced, global() = not. */
export function namespaceSelectorOf(selector: Selector): Selector {
  return replacePseudo(mapLabels(selector, prefixed(NAMESPACE_LABEL_PREFIX)), hasNamespace, noNamespace);
}

/** `projectcalico.org/namespace == "<ns>"`. */
export function inNamespace(namespace: string): Selector {
  return { kind: "eq", label: NAMESPACE_LABEL, value: namespace };
}

/**
 * The selector of the endpoints a Calico policy applies to, as the update processors build it
 * (libcalico-go/lib/backend/syncersv1/updateprocessors):
 * - NetworkPolicy (networkpolicyprocessor.go): the written selector, the policy's namespace, and
 *   the `pcsa.`-prefixed serviceAccountSelector as it is (its all() stays all()).
 * - GlobalNetworkPolicy (globalnetworkpolicyprocessor.go): the written selector; then, if given,
 *   the `pcns.`-prefixed namespaceSelector is appended and every all() of the selector so far
 *   (the written one's too) becomes "has a namespace"; then the `pcsa.`-prefixed
 *   serviceAccountSelector likewise, every remaining all() becoming "has a service account". An
 *   empty written selector is no part of that text, so it gets no such restriction.
 */
export function policySelector(policy: CalicoNetworkPolicy | GlobalNetworkPolicy): Selector {
  const sa = policy.serviceAccountSelector && mapLabels(policy.serviceAccountSelector.ast, prefixed(SERVICE_ACCOUNT_LABEL_PREFIX));
  if (policy.kind === "NetworkPolicy") {
    return andSelectors(policy.selector.ast, inNamespace(policy.metadata.namespace ?? "default"), ...(sa ? [sa] : []));
  }
  const keepGlobal: Selector = { kind: "global" };
  const appendReplacingAll = (sel: Selector | undefined, part: Selector, all: Selector): Selector =>
    replacePseudo(sel ? andSelectors(sel, part) : part, all, keepGlobal);
  let sel: Selector | undefined = policy.selector.text.trim() === "" ? undefined : policy.selector.ast;
  if (policy.namespaceSelector) sel = appendReplacingAll(sel, mapLabels(policy.namespaceSelector.ast, prefixed(NAMESPACE_LABEL_PREFIX)), hasNamespace);
  if (sa) sel = appendReplacingAll(sel, sa, hasServiceAccount);
  return sel ?? policy.selector.ast;
}

/**
 * The effective `selector` of an entity rule (undefined: the rule does not constrain the peer by
 * selector). `namespace` is the policy's namespace for a namespaced policy, undefined for global
 * policies and profiles. A v1 `tag: T` adds `has(T)`.
 */
export function entitySelector(entity: EntityRule, namespace: string | undefined): Selector | undefined {
  let nsSel: Selector | undefined;
  if (entity.namespaceSelector) nsSel = namespaceSelectorOf(entity.namespaceSelector.ast);
  else if (namespace !== undefined) nsSel = inNamespace(namespace);

  let saSel: Selector | undefined;
  if (entity.serviceAccounts) {
    const parts: Selector[] = [];
    if (entity.serviceAccounts.selector) parts.push(mapLabels(entity.serviceAccounts.selector.ast, prefixed(SERVICE_ACCOUNT_LABEL_PREFIX)));
    if (entity.serviceAccounts.names.length > 0) {
      parts.push({ kind: "in", label: SERVICE_ACCOUNT_LABEL, values: [...new Set(entity.serviceAccounts.names)].sort() });
    }
    if (parts.length > 0) saSel = andSelectors(...parts);
  }

  const epParts: Selector[] = [];
  if (saSel) epParts.push(saSel);
  if (entity.selector) epParts.push(entity.selector.ast);
  if (entity.tag !== undefined) epParts.push({ kind: "has", label: entity.tag });
  const ep = epParts.length > 0 ? andSelectors(...epParts) : undefined;

  const scoped =
    entity.selector !== undefined ||
    entity.serviceAccounts !== undefined ||
    entity.notSelector !== undefined ||
    entity.namespaceSelector !== undefined;
  if (nsSel && scoped) return ep ? andSelectors(nsSel, ep) : nsSel;
  return ep;
}

/** The selectors the peer must NOT match: notSelector (unscoped, as written) and v1 `notTag`. */
export function entityNotSelectors(entity: EntityRule): Selector[] {
  const out: Selector[] = [];
  if (entity.notSelector) out.push(entity.notSelector.ast);
  if (entity.notTag !== undefined) out.push({ kind: "has", label: entity.notTag });
  return out;
}
