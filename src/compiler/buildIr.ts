/**
 * Builds the unoptimized IR for one node in Felix's layout: static chains, dispatch, endpoint
 * chains for local endpoints, and chains for the policies and profiles they use.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { note, warning } from "../diagnostics/diagnostic.js";
import type { Model, Origin, Rule as CalicoRule } from "../model/types.js";
import { spanOf } from "../model/types.js";
import type { Chain, Family, FamilyIr, Ir } from "./ir/types.js";
import { FELIX_MARKS } from "./ir/marks.js";
import type { EndpointInfo } from "./endpoints.js";
import { resolveEndpoints } from "./endpoints.js";
import { collectProfiles } from "./profiles.js";
import type { OrderedTier, PolicyInfo } from "./policies.js";
import { collectPolicies, collectTiers, orderTiers } from "./policies.js";
import { buildLabelIndex, selectMembers } from "./selectors/labelIndex.js";
import { createSetBuilder } from "./setBuilder.js";
import { serviceMembers } from "./serviceSets.js";
import type { RuleContext } from "./lowerRule.js";
import { staticChains, staticHooks } from "./felixLayout/staticChains.js";
import { dispatchChains } from "./felixLayout/dispatch.js";
import { endpointChain } from "./felixLayout/endpointChains.js";
import type { PolicyDirection } from "./felixLayout/endpointChains.js";
import { ruleChain } from "./felixLayout/policyChains.js";
import { FROM_WL_DISPATCH, fromWorkloadChain, policyChain, profileChain, TO_WL_DISPATCH, toWorkloadChain } from "./felixLayout/chainNames.js";

export interface BuildResult {
  readonly ir: Ir;
  readonly diagnostics: readonly Diagnostic[];
}

const DIRECTIONS: readonly PolicyDirection[] = ["ingress", "egress"];

/** Per local endpoint and direction, the applicable policies grouped by tier in order. */
function applicablePolicies(local: readonly EndpointInfo[], tiers: readonly OrderedTier[]): Record<PolicyDirection, OrderedTier[]>[] {
  const index = buildLabelIndex(local.map((e) => e.labels));
  const out = local.map((): Record<PolicyDirection, OrderedTier[]> => ({ ingress: [], egress: [] }));
  for (const t of tiers) {
    for (const p of t.policies) {
      const dirs = DIRECTIONS.filter((d) => p.types.includes(d === "ingress" ? "Ingress" : "Egress"));
      if (dirs.length === 0) continue;
      for (const i of selectMembers(index, p.selector)) {
        for (const d of dirs) {
          const list = out[i]![d];
          const last = list[list.length - 1];
          if (last && last.tier === t.tier) (last.policies as PolicyInfo[]).push(p);
          else list.push({ tier: t.tier, policies: [p] });
        }
      }
    }
  }
  return out;
}

function byName(a: Chain, b: Chain): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The model's IR before any pass. */
export function buildIr(model: Model, node: string | undefined): BuildResult {
  const diagnostics: Diagnostic[] = [];
  const marks = FELIX_MARKS;
  const resolved = resolveEndpoints(model, collectProfiles(model), node);
  const tiers = orderTiers(collectPolicies(model), collectTiers(model));

  // One chain per interface: the first endpoint (by key) claims a duplicated name.
  const seen = new Set<string>();
  const local = resolved.local.filter((e) => !seen.has(e.iface) && (seen.add(e.iface), true));
  if (local.length === 0) {
    diagnostics.push(warning("no-local-endpoints", node === undefined ? "the model has no workload endpoints" : `node ${node} has no local workload endpoints`));
  }
  const applicable = applicablePolicies(local, tiers);
  const services = serviceMembers(model);
  const sets = createSetBuilder(resolved.members, services.lookup);
  // Services a rule names that no EndpointSlice of the input belongs to (reported once each).
  const unmatchedServices = new Map<string, { origin: Origin | undefined; path: string }>();
  const onService = (service: string, side: "source" | "destination", rule: CalicoRule): void => {
    if (!services.known.has(service) && !unmatchedServices.has(service)) unmatchedServices.set(service, { origin: currentOrigin, path: `${rule.path}.${side}.services` });
  };

  // Named ports: remember every use; warn afterwards for those empty in both families.
  const namedUses = new Map<string, { name: string; origin: Origin | undefined; path: string }[]>();
  let currentOrigin: Origin | undefined;
  const onNamedPort = (setId: string, name: string, rule: CalicoRule): void => {
    const list = namedUses.get(setId) ?? [];
    if (!list.some((u) => u.origin === currentOrigin && u.path === rule.path && u.name === name)) list.push({ name, origin: currentOrigin, path: rule.path });
    namedUses.set(setId, list);
  };

  // Which policy / profile chains are used, per direction.
  const usedPolicies: Record<PolicyDirection, Map<string, PolicyInfo>> = { ingress: new Map(), egress: new Map() };
  const usedProfiles = new Set<string>();
  local.forEach((e, i) => {
    for (const d of DIRECTIONS) for (const t of applicable[i]![d]) for (const p of t.policies) usedPolicies[d].set(p.id, p);
    for (const p of e.profiles) usedProfiles.add(p);
  });

  const family = (f: Family): FamilyIr => {
    const ctx = (namespace: string | undefined): RuleContext => ({ namespace, family: f, marks, sets, onNamedPort, onService });
    const chains: Chain[] = [
      ...staticChains(f, marks),
      ...dispatchChains(FROM_WL_DISPATCH, local.map((e) => e.iface), "in", fromWorkloadChain),
      ...dispatchChains(TO_WL_DISPATCH, local.map((e) => e.iface), "out", toWorkloadChain),
    ];
    local.forEach((e, i) => {
      chains.push(endpointChain(e.iface, "ingress", applicable[i]!.ingress, e.profiles, marks));
      chains.push(endpointChain(e.iface, "egress", applicable[i]!.egress, e.profiles, marks));
    });
    for (const d of DIRECTIONS) {
      for (const p of usedPolicies[d].values()) {
        currentOrigin = p.origin;
        const display = p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name;
        chains.push(ruleChain(policyChain(d, p.id), `${p.kind} ${display} ${d}`, d === "ingress" ? p.ingress : p.egress, ctx(p.namespace)));
      }
    }
    for (const name of [...usedProfiles].sort()) {
      const prof = resolved.profiles.get(name);
      currentOrigin = prof?.origin;
      for (const d of DIRECTIONS) {
        const rules = prof ? (d === "ingress" ? prof.ingress : prof.egress) : [];
        chains.push(ruleChain(profileChain(d, name), `Profile ${name} ${d}`, rules, ctx(undefined)));
      }
    }
    chains.sort(byName);
    return { family: f, tables: [{ name: "filter", hooks: staticHooks(), chains }], sets: [] };
  };
  const v4 = family(4);
  const v6 = family(6);
  const withSets = (fi: FamilyIr): FamilyIr => ({ ...fi, sets: sets.sets(fi.family) });

  const nonEmpty = new Set([...sets.sets(4), ...sets.sets(6)].filter((s) => s.members.length > 0).map((s) => s.id));
  for (const [id, uses] of [...namedUses.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (nonEmpty.has(id)) continue;
    for (const u of uses) {
      diagnostics.push(warning("unresolved-named-port", `named port "${u.name}" matches no port of any selected endpoint`, u.origin ? spanOf(u.origin, u.path) : undefined));
    }
  }
  for (const [service, use] of unmatchedServices) {
    const empty = service.startsWith("/");
    const message = empty
      ? `the service "${service.slice(1)}" has no namespace: Felix looks it up in the empty namespace, where no EndpointSlice is, so this rule matches nothing (give services.namespace)`
      : `no EndpointSlice of service ${service} is in the input: this rule matches no traffic until one is`;
    diagnostics.push(note("unmatched-service", message, use.origin ? spanOf(use.origin, use.path) : undefined));
  }
  return { ir: { marks, v4: withSets(v4), v6: withSets(v6) }, diagnostics };
}
