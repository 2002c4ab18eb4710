/**
 * The selectors a rule's EntityRule really matches, built as Calico does
 * (libcalico-go/lib/backend/syncersv1/updateprocessors/rules.go, then felix/calc/rule_scanner.go): namespace part with `pcns.` labels,
 * service-account part with `pcsa.` labels, v1 tags as `has(tag)`, and `notSelector` folded
 * into a positive selector as `(sel) && (!(notSel))`.
 */
import type { EntityRule, Selector } from "../../model/types.js";
import {
  andSelectors,
  eqLabel,
  hasLabel,
  inLabel,
  mapLabels,
  NAMESPACE_LABEL,
  notSelector,
  SERVICE_ACCOUNT_LABEL,
} from "./selectorOps.js";

/** What an EntityRule's selectors reduce to. */
export interface EntitySelectors {
  /** Address must be in this selector's set (absent: no positive selector constraint). */
  readonly positive?: Selector;
  /** Address must be in none of these selectors' sets (only when there is no positive one). */
  readonly negatives: readonly Selector[];
}

/** `namespaceSelector` as Calico rewrites it: `pcns.` labels, all()/global() on the namespace label. */
export function namespaceSelectorPart(sel: Selector): Selector {
  return mapLabels(
    sel,
    (l) => "pcns." + l,
    () => hasLabel(NAMESPACE_LABEL),
    () => notSelector(hasLabel(NAMESPACE_LABEL)),
  );
}

/**
 * The effective positive selector of an EntityRule before `notSelector` folding
 * (`getEndpointSelector` in Calico's update processors). `namespace` is the policy's namespace
 * for namespaced kinds, undefined for global ones (GNP, profiles, v1).
 */
export function endpointSelector(entity: EntityRule, namespace: string | undefined): Selector | undefined {
  let nsSel: Selector | undefined;
  if (entity.namespaceSelector) nsSel = namespaceSelectorPart(entity.namespaceSelector.ast);
  else if (namespace !== undefined) nsSel = eqLabel(NAMESPACE_LABEL, namespace);

  let saSel: Selector | undefined;
  if (entity.serviceAccounts) {
    const parts: Selector[] = [];
    if (entity.serviceAccounts.selector) parts.push(mapLabels(entity.serviceAccounts.selector.ast, (l) => "pcsa." + l));
    if (entity.serviceAccounts.names.length > 0) parts.push(inLabel(SERVICE_ACCOUNT_LABEL, entity.serviceAccounts.names));
    if (parts.length > 0) saSel = andSelectors(...parts);
  }

  let sel = entity.selector?.ast;
  // v1 tag: `(sel) && has(tag)`.
  if (entity.tag !== undefined) sel = sel ? andSelectors(sel, hasLabel(entity.tag)) : hasLabel(entity.tag);

  let ep: Selector | undefined;
  if (saSel && sel) ep = andSelectors(saSel, sel);
  else ep = saSel ?? sel;

  const anySet = sel !== undefined || entity.serviceAccounts !== undefined || entity.notSelector !== undefined || entity.namespaceSelector !== undefined || entity.notTag !== undefined;
  if (nsSel && anySet) return ep ? andSelectors(nsSel, ep) : nsSel;
  return ep;
}

const memo = new WeakMap<EntityRule, Map<string | undefined, EntitySelectors>>();

/**
 * The rule's selector constraints on one side, with `notSelector`/`notTag` folded as Felix does.
 * Memoized per EntityRule object, so both IP families share the same selector trees (and their
 * memoized ids).
 */
export function entitySelectors(entity: EntityRule, namespace: string | undefined): EntitySelectors {
  let byNs = memo.get(entity);
  if (!byNs) memo.set(entity, (byNs = new Map()));
  let result = byNs.get(namespace);
  if (!result) byNs.set(namespace, (result = computeEntitySelectors(entity, namespace)));
  return result;
}

function computeEntitySelectors(entity: EntityRule, namespace: string | undefined): EntitySelectors {
  const positive = endpointSelector(entity, namespace);
  const negatives: Selector[] = [];
  if (entity.notSelector) negatives.push(entity.notSelector.ast);
  if (entity.notTag !== undefined) negatives.push(hasLabel(entity.notTag));
  if (positive === undefined) return { negatives };
  if (negatives.length === 0) return { positive, negatives: [] };
  return { positive: andSelectors(positive, ...negatives.map(notSelector)), negatives: [] };
}
