/**
 * Builds the unoptimized IR for one node in Felix's layout: static chains, dispatch, endpoint
 * chains for local endpoints, and chains for the policies and profiles they use.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model, Origin, Rule as CalicoRule } from "../model/types.js";
import type { Chain, Family, FamilyIr, Ir, Table } from "./ir/types.js";
import { resolveHostEndpoints, type HostInterfaces } from "./hostEndpoints.js";
import { hostPolicies, hostTables, planHostEndpoint } from "./felixLayout/hostSide.js";
import { nodeFelixSettings } from "../model/felixSettings.js";
import { logPrefixFor, settingsMarks, filterAllowAction } from "./felixLayout/settings.js";
import type { EndpointInfo } from "./endpoints.js";
import { resolveEndpoints } from "./endpoints.js";
import { partitionModel } from "./modelParts.js";
import { workloadNotes } from "./workloadNotes.js";
import { collectProfiles } from "./profiles.js";
import type { OrderedTier, PolicyInfo } from "./policies.js";
import { collectPolicies, collectTiers, orderTiers, policyRules } from "./policies.js";
import { LabelColumns } from "./selectors/labelColumns.js";
import { labelValue } from "../model/selector/index.js";
import { createSetBuilder } from "./setBuilder.js";
import { compileDiagnostics, type NamedPortUse, type ServiceUse } from "./compileDiagnostics.js";
import { serviceMembers } from "./serviceSets.js";
import type { RuleContext } from "./lowerRule.js";
import { staticChains, staticHooks } from "./felixLayout/staticChains.js";
import { dispatchChains } from "./felixLayout/dispatch.js";
import { endpointChain } from "./felixLayout/endpointChains.js";
import type { PolicyDirection } from "./felixLayout/endpointChains.js";
import { ruleChain } from "./felixLayout/policyChains.js";
import { hostSide, type HostSide } from "./hostSide.js";
import { FROM_WL_DISPATCH, fromWorkloadChain, policyChain, profileChain, TO_WL_DISPATCH, toWorkloadChain } from "./felixLayout/chainNames.js";

export interface BuildResult {
  readonly ir: Ir;
  readonly diagnostics: readonly Diagnostic[];
  /** The pools' and nodes' share, laid over the IR after the passes (hostSide.ts). */
  readonly hostSide: HostSide;
}

const DIRECTIONS: readonly PolicyDirection[] = ["ingress", "egress"];

/** Per local endpoint and direction, the applicable policies grouped by tier in order. */
function applicablePolicies(local: readonly { readonly labels: EndpointInfo["labels"] }[], tiers: readonly OrderedTier[]): Record<PolicyDirection, OrderedTier[]>[] {
  const index = new LabelColumns((i, label) => labelValue(local[i]!.labels, label));
  local.forEach((_, i) => index.added(i));
  const out = local.map((): Record<PolicyDirection, OrderedTier[]> => ({ ingress: [], egress: [] }));
  for (const t of tiers) {
    for (const p of t.policies) {
      const dirs = DIRECTIONS.filter((d) => p.types.includes(d === "ingress" ? "Ingress" : "Egress"));
      if (dirs.length === 0) continue;
      for (const i of index.select(p.selector)) {
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

/**
 * The model's IR before any pass; with `aggregateSets`, `net` sets already as the CIDR
 * aggregation pass makes them (the optimizing pipeline follows).
 */
export function buildIr(model: Model, node: string | undefined, aggregateSets = false, hostInterfaces?: HostInterfaces): BuildResult {
  const parts = partitionModel(model);
  const settings = nodeFelixSettings(parts.settings.resources, node);
  const marks = settingsMarks(settings);
  const allow = filterAllowAction(settings);
  const resolved = resolveEndpoints(parts.members, collectProfiles(parts.profiles), node);
  const tierFacts = collectTiers(parts.tiers);
  const tiers = orderTiers(collectPolicies(parts.policies), tierFacts);
  // Host endpoints also take the preDNAT and doNotTrack policies, in tiers of their own.
  const hosts = resolveHostEndpoints(parts.members, (name) => resolved.profiles.get(name), node, hostInterfaces);
  const hostTiers = hosts.endpoints.length > 0 ? orderTiers(collectPolicies(parts.policies, true), tierFacts) : [];
  const hostApplicable = applicablePolicies(hosts.endpoints, hostTiers);
  const hostPlans = hosts.endpoints.map((e, i) => planHostEndpoint(e, hostApplicable[i]!));

  // One chain per interface: the first endpoint (by key) claims a duplicated name.
  const seen = new Set<string>();
  const local = resolved.local.filter((e) => !seen.has(e.iface) && (seen.add(e.iface), true));
  const applicable = applicablePolicies(local, tiers);
  const services = serviceMembers(parts.slices);
  const sets = createSetBuilder(resolved.members, services.lookup, aggregateSets);
  // What the rules use, for the diagnostics (see compileDiagnostics.ts).
  let currentOrigin: Origin | undefined;
  const serviceUses: ServiceUse[] = [];
  const namedPortUses: NamedPortUse[] = [];
  const onService = (service: string, side: "source" | "destination", rule: CalicoRule): void => {
    serviceUses.push({ service, origin: currentOrigin, path: `${rule.path}.${side}.services` });
  };
  const onNamedPort = (setId: string, name: string, rule: CalicoRule): void => {
    namedPortUses.push({ setId, name, origin: currentOrigin, path: rule.path });
  };

  // Which policy / profile chains are used, per direction.
  const usedPolicies: Record<PolicyDirection, Map<string, PolicyInfo>> = { ingress: new Map(), egress: new Map() };
  const usedProfiles = new Set<string>();
  local.forEach((e, i) => {
    for (const d of DIRECTIONS) for (const t of applicable[i]![d]) for (const p of t.policies) usedPolicies[d].set(p.id, p);
    for (const p of e.profiles) usedProfiles.add(p);
  });
  const filterHostPolicies = hostPolicies(hostPlans, "filter");
  for (const d of DIRECTIONS) for (const p of filterHostPolicies[d]) usedPolicies[d].set(p.id, p);
  for (const h of hosts.endpoints) for (const p of h.profiles) usedProfiles.add(p);

  const family = (f: Family): FamilyIr => {
    const ctx = (namespace: string | undefined, logPrefix: string): RuleContext => ({ namespace, family: f, marks, logPrefix, sets, onNamedPort, onService });
    const policyChains = (ps: Readonly<Record<PolicyDirection, Iterable<PolicyInfo>>>): Chain[] => {
      const out: Chain[] = [];
      for (const d of DIRECTIONS) {
        for (const p of ps[d]) {
          currentOrigin = p.origin;
          const display = p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name;
          const logPrefix = logPrefixFor(settings.logPrefix, { tier: p.tier, kind: p.id.slice(0, p.id.indexOf("/")), name: p.name, ...(p.namespace !== undefined ? { namespace: p.namespace } : {}) });
          out.push(ruleChain(policyChain(d, p.id), `${p.kind} ${display} ${d}`, policyRules(p, d), ctx(p.namespace, logPrefix)));
        }
      }
      return out;
    };
    const host = hostPlans.length > 0 ? hostTables(f, hostPlans, marks, settings) : undefined;
    const replaced = new Set(host ? host.filter.map((c) => c.name) : []);
    const chains: Chain[] = [
      ...staticChains(f, marks, settings).filter((c) => !replaced.has(c.name)),
      ...(host?.filter ?? []),
      ...dispatchChains(FROM_WL_DISPATCH, local.map((e) => e.iface), "in", fromWorkloadChain),
      ...dispatchChains(TO_WL_DISPATCH, local.map((e) => e.iface), "out", toWorkloadChain),
    ];
    local.forEach((e, i) => {
      chains.push(endpointChain(e.iface, "ingress", applicable[i]!.ingress, e.profiles, marks, allow));
      chains.push(endpointChain(e.iface, "egress", applicable[i]!.egress, e.profiles, marks, allow, settings.vxlanPort));
    });
    chains.push(...policyChains({ ingress: usedPolicies.ingress.values(), egress: usedPolicies.egress.values() }));
    for (const name of [...usedProfiles].sort()) {
      const prof = resolved.profiles.get(name);
      currentOrigin = prof?.origin;
      for (const d of DIRECTIONS) {
        const rules = prof ? (d === "ingress" ? prof.ingress : prof.egress) : [];
        chains.push(ruleChain(profileChain(d, name), `Profile ${name} ${d}`, rules, ctx(undefined, logPrefixFor(settings.logPrefix, { tier: "", kind: "pro", name }))));
      }
    }
    chains.sort(byName);
    const tables: Table[] = [{ name: "filter", hooks: staticHooks(settings), chains }];
    for (const name of ["raw", "mangle"] as const) {
      const t = host?.[name];
      if (t) tables.push({ name, hooks: t.hooks, chains: [...t.chains, ...policyChains(hostPolicies(hostPlans, name))].sort(byName) });
    }
    return { family: f, tables, sets: [] };
  };
  const v4 = family(4);
  const v6 = family(6);
  const withSets = (fi: FamilyIr): FamilyIr => ({ ...fi, sets: sets.sets(fi.family) });

  const nonEmpty = new Set([...sets.sets(4), ...sets.sets(6)].filter((s) => s.members.length > 0).map((s) => s.id));
  const diagnostics = compileDiagnostics({
    node,
    localEndpoints: local.length + hosts.endpoints.length,
    namedPortUses,
    namedPortSetEmpty: (id) => !nonEmpty.has(id),
    serviceUses,
    knownService: (service) => services.known.has(service),
  });
  return { ir: { marks, v4: withSets(v4), v6: withSets(v6) }, diagnostics: [...hosts.diagnostics, ...diagnostics, ...workloadNotes(parts.audit)], hostSide: hostSide(parts.hosts, settings) };
}
