/**
 * The host side of Felix's layout, for the node's host endpoints: which tiers each endpoint's
 * chains hold (felix/calc/event_sequencer.go `tierInfoToProtoTierInfo`), the endpoint chains of
 * filter, raw and mangle, their dispatch chains (felix/rules/dispatch.go `hostDispatchChains`),
 * the failsafe chains (felix/rules/static.go `failsafeInChain`/`failsafeOutChain`) and the
 * static chains that reach them (static.go `filterInputChain`, `filterOutputChain`,
 * `StaticFilterForwardChains`, `StaticRawPreroutingChain`, `StaticRawOutputChain`,
 * `StaticManglePreroutingChain`).
 *
 * Left out, with reasons: the raw table's RPF check for workloads (policyc does not compile
 * anti-spoofing), mangle POSTROUTING (host-endpoint egress policy for DNATed traffic, which Felix
 * cannot apply in filter OUTPUT), and the IPVS endpoint-mark chains (kube-proxy IPVS mode).
 */
import type { FailsafePort, FelixSettings } from "../../calico/index.js";
import type { Chain, Family, Hook, MarkBits, Match, Rule, TableName } from "../ir/types.js";
import { ACCEPT, clearBits, ctstate, goto, ifaceIn, ifaceOut, jump, markClear, markSet, notCtstate, RETURN, rule, setBits } from "../ir/build.js";
import { PROTOCOL_NUMBERS } from "../../calico/index.js";
import type { OrderedTier, PolicyInfo } from "../policies.js";
import type { LocalHostEndpoint } from "../hostEndpoints.js";
import type { PolicyDirection } from "./endpointChains.js";
import { dispatchTree } from "./dispatch.js";
import { hostEndpointChain, type HostChainType } from "./hostEndpointChains.js";
import { filterAllowAction, mangleAllowAction } from "./settings.js";
import {
  ALL_INTERFACES,
  FAILSAFE_IN_CHAIN,
  FAILSAFE_OUT_CHAIN,
  FORWARD_CHAIN,
  FROM_HEP_FORWARD_DISPATCH,
  FROM_HOST_DISPATCH,
  FROM_WL_DISPATCH,
  fromHostChain,
  fromHostForwardChain,
  INPUT_CHAIN,
  OUTPUT_CHAIN,
  PREROUTING_CHAIN,
  TO_HEP_FORWARD_DISPATCH,
  TO_HOST_DISPATCH,
  TO_WL_DISPATCH,
  toHostChain,
  toHostForwardChain,
  WL_TO_HOST_CHAIN,
  WORKLOAD_IFACE_PREFIX,
} from "./chainNames.js";

type ByDirection = Readonly<Record<PolicyDirection, readonly OrderedTier[]>>;

/** What one host endpoint's chains hold, per chain type. */
export interface HostEndpointPlan {
  readonly endpoint: LocalHostEndpoint;
  readonly tiers: Readonly<Record<HostChainType, ByDirection>>;
}

const DIRECTIONS: readonly PolicyDirection[] = ["ingress", "egress"];

/**
 * Splits the tiers that apply to an endpoint (per direction, in order) by chain type, as Felix's
 * event sequencer does: doNotTrack policies go to the untracked tiers, preDNAT ones to the
 * pre-DNAT tiers (both with default action Pass, so that normal policy still runs), the others
 * to the normal tiers and, with applyOnForward, to the forward tiers too.
 */
export function planHostEndpoint(endpoint: LocalHostEndpoint, applicable: ByDirection): HostEndpointPlan {
  const pick = (keep: (p: PolicyInfo) => boolean, pass: boolean): ByDirection => {
    const out = { ingress: [] as OrderedTier[], egress: [] as OrderedTier[] };
    for (const d of DIRECTIONS) {
      for (const t of applicable[d]) {
        const policies = t.policies.filter(keep);
        if (policies.length > 0) out[d].push({ tier: pass ? { ...t.tier, defaultAction: "Pass" } : t.tier, policies });
      }
    }
    return out;
  };
  return {
    endpoint,
    tiers: {
      normal: pick((p) => p.host?.only === undefined, false),
      forward: pick((p) => p.host?.only === undefined && p.host?.applyOnForward === true, false),
      untracked: pick((p) => p.host?.only === "doNotTrack", true),
      preDNAT: pick((p) => p.host?.only === "preDNAT", true),
    },
  };
}

const hasTiers = (t: ByDirection): boolean => t.ingress.length > 0 || t.egress.length > 0;

/** The policies a table's host endpoint chains call, per direction. */
export function hostPolicies(plans: readonly HostEndpointPlan[], table: TableName): Record<PolicyDirection, PolicyInfo[]> {
  const types: readonly HostChainType[] = table === "filter" ? ["normal", "forward"] : table === "raw" ? ["untracked"] : table === "mangle" ? ["preDNAT"] : [];
  const out: Record<PolicyDirection, Map<string, PolicyInfo>> = { ingress: new Map(), egress: new Map() };
  for (const plan of plans) {
    for (const type of types) for (const d of DIRECTIONS) for (const t of plan.tiers[type][d]) for (const p of t.policies) out[d].set(p.id, p);
  }
  return { ingress: [...out.ingress.values()], egress: [...out.egress.values()] };
}

/** Whether the raw (untracked) and mangle (preDNAT) tables are needed. */
export function hostTablesNeeded(plans: readonly HostEndpointPlan[]): { readonly raw: boolean; readonly mangle: boolean } {
  return { raw: plans.some((p) => p.endpoint.iface !== ALL_INTERFACES && hasTiers(p.tiers.untracked)), mangle: plans.some((p) => hasTiers(p.tiers.preDNAT)) };
}

// ---------------------------------------------------------------------------------------------
// Failsafes

/** The failsafe entries of one family: those without a net, and those whose net is of the family. */
function ofFamily(ports: readonly FailsafePort[], family: Family): FailsafePort[] {
  return ports.filter((p) => p.net === undefined || p.net.includes(":") === (family === 6));
}

function failsafeRule(p: FailsafePort, portDir: "src" | "dst", netDir: "src" | "dst"): Rule {
  const matches: Match[] = [
    { kind: "protocol", protocol: PROTOCOL_NUMBERS[p.protocol === "tcp" ? "TCP" : p.protocol === "udp" ? "UDP" : "SCTP"], negate: false },
    { kind: "ports", dir: portDir, ranges: [{ first: p.port, last: p.port }], negate: false },
  ];
  if (p.net !== undefined) matches.push({ kind: "addr", dir: netDir, cidrs: [p.net], negate: false });
  return rule(matches, ACCEPT);
}

/**
 * `cali-failsafe-in` and `cali-failsafe-out` of one table. Inbound: to the port, from the net;
 * outbound: to the port and net. The raw table's chains also accept the replies of the other
 * direction's failsafes (from the port), so that they never fall to doNotTrack policy and leave
 * half a connection untracked.
 */
export function failsafeChains(family: Family, table: TableName, settings: FelixSettings): Chain[] {
  const inbound = ofFamily(settings.failsafeInboundHostPorts, family);
  const outbound = ofFamily(settings.failsafeOutboundHostPorts, family);
  const raw = table === "raw";
  return [
    { name: FAILSAFE_IN_CHAIN, rules: [...inbound.map((p) => failsafeRule(p, "dst", "src")), ...(raw ? outbound.map((p) => failsafeRule(p, "src", "src")) : [])] },
    { name: FAILSAFE_OUT_CHAIN, rules: [...outbound.map((p) => failsafeRule(p, "dst", "dst")), ...(raw ? inbound.map((p) => failsafeRule(p, "src", "dst")) : [])] },
  ];
}

// ---------------------------------------------------------------------------------------------
// Dispatch

/**
 * A host-endpoint dispatch tree: named interfaces as Felix's prefix tree, then, when there is an
 * all-interfaces endpoint, a goto to its chain for every other interface (`endRules`); without
 * one, unknown interfaces return (traffic not through a host endpoint is not policed).
 */
function hostDispatch(root: string, named: readonly string[], dir: "in" | "out", target: (iface: string) => string, endRules: readonly Rule[]): Chain[] {
  return dispatchTree(root, named, dir, target, endRules);
}

// ---------------------------------------------------------------------------------------------
// Tables

/** Chains and hooks the host side adds, per table. */
export interface HostTables {
  /** Replaces the workload-only cali-FORWARD/INPUT/OUTPUT. */
  readonly filter: readonly Chain[];
  readonly raw?: { readonly hooks: readonly Hook[]; readonly chains: readonly Chain[] };
  readonly mangle?: { readonly hooks: readonly Hook[]; readonly chains: readonly Chain[] };
}

export function hostTables(family: Family, plans: readonly HostEndpointPlan[], marks: MarkBits, settings: FelixSettings): HostTables {
  const allow = filterAllowAction(settings);
  const mangleAllow = mangleAllowAction(settings);
  const calicoBits = marks.accept | marks.pass | marks.scratch0 | marks.scratch1;
  const named = plans.filter((p) => p.endpoint.iface !== ALL_INTERFACES);
  const all = plans.find((p) => p.endpoint.iface === ALL_INTERFACES);
  const names = named.map((p) => p.endpoint.iface);

  // filter: endpoint chains
  const filter: Chain[] = [];
  for (const plan of plans) {
    const i = plan.endpoint.iface;
    const { profiles } = plan.endpoint;
    const anyForward = hasTiers(plan.tiers.forward);
    filter.push(
      hostEndpointChain(toHostChain(i), "egress", plan.tiers.normal.egress, profiles, marks, { type: "normal", allow, failsafe: FAILSAFE_OUT_CHAIN, anyTiers: true }),
      hostEndpointChain(fromHostChain(i), "ingress", plan.tiers.normal.ingress, profiles, marks, { type: "normal", allow, failsafe: FAILSAFE_IN_CHAIN, anyTiers: true }),
      hostEndpointChain(toHostForwardChain(i), "egress", plan.tiers.forward.egress, profiles, marks, { type: "forward", allow, anyTiers: anyForward }),
      hostEndpointChain(fromHostForwardChain(i), "ingress", plan.tiers.forward.ingress, profiles, marks, { type: "forward", allow, anyTiers: anyForward }),
    );
  }
  // filter: dispatch (HostDispatchChains with applyOnForward true, as endpoint_mgr.go calls it)
  const defaultTo = (chain: (iface: string) => string): Rule[] => (all ? [rule([], goto(chain(ALL_INTERFACES)))] : []);
  filter.push(
    ...hostDispatch(FROM_HOST_DISPATCH, names, "in", fromHostChain, defaultTo(fromHostChain)),
    ...hostDispatch(TO_HOST_DISPATCH, names, "out", toHostChain, defaultTo(toHostChain)),
    ...hostDispatch(FROM_HEP_FORWARD_DISPATCH, names, "in", fromHostForwardChain, defaultTo(fromHostForwardChain)),
    ...hostDispatch(TO_HEP_FORWARD_DISPATCH, names, "out", toHostForwardChain, defaultTo(toHostForwardChain)),
    ...failsafeChains(family, "filter", settings),
  );
  // filter: the static chains that reach them
  filter.push(
    {
      name: FORWARD_CHAIN,
      rules: [
        rule([], clearBits(calicoBits & ~marks.accept)),
        rule([markClear(marks.accept)], jump(FROM_HEP_FORWARD_DISPATCH)),
        rule([ifaceIn(WORKLOAD_IFACE_PREFIX, true)], jump(FROM_WL_DISPATCH)),
        rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], jump(TO_WL_DISPATCH)),
        rule([], jump(TO_HEP_FORWARD_DISPATCH)),
        // StaticFilterForwardAppendRules; its "set the accept mark" only tells mangle
        // POSTROUTING (not compiled) that the packet was forwarded.
        rule([markSet(marks.accept)], allow, "Policy explicitly accepted packet."),
      ],
    },
    {
      name: INPUT_CHAIN,
      rules: [
        rule([ifaceIn(WORKLOAD_IFACE_PREFIX, true)], goto(WL_TO_HOST_CHAIN)),
        rule([markSet(marks.accept)], allow),
        rule([], clearBits(calicoBits)),
        rule([], jump(FROM_HOST_DISPATCH)),
        rule([markSet(marks.accept)], allow, "Host endpoint policy accepted packet."),
      ],
    },
    {
      name: OUTPUT_CHAIN,
      rules: [
        rule([markSet(marks.accept)], allow),
        rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], RETURN),
        rule([], clearBits(calicoBits)),
        // DNATed traffic's output interface is not known yet here; Felix polices it in mangle
        // POSTROUTING (not compiled).
        rule([notCtstate("DNAT")], jump(TO_HOST_DISPATCH)),
        rule([markSet(marks.accept)], allow, "Host endpoint policy accepted packet."),
      ],
    },
  );

  const needed = hostTablesNeeded(plans);
  const result: { filter: Chain[]; raw?: HostTables["raw"]; mangle?: HostTables["mangle"] } = { filter };
  const position = settings.chainInsertMode;
  if (needed.raw) {
    // Raw: untracked policy, never for the all-interfaces endpoint (endpoint_mgr.go logs and
    // ignores it) and with no default.
    const untracked = named.filter((p) => hasTiers(p.tiers.untracked));
    const ifaces = untracked.map((p) => p.endpoint.iface);
    const chains: Chain[] = [];
    for (const plan of untracked) {
      const i = plan.endpoint.iface;
      const opts = (failsafe: string) => ({ type: "untracked" as const, allow: ACCEPT, failsafe, anyTiers: true });
      chains.push(
        hostEndpointChain(toHostChain(i), "egress", plan.tiers.untracked.egress, [], marks, opts(FAILSAFE_OUT_CHAIN)),
        hostEndpointChain(fromHostChain(i), "ingress", plan.tiers.untracked.ingress, [], marks, opts(FAILSAFE_IN_CHAIN)),
      );
    }
    chains.push(
      ...hostDispatch(FROM_HOST_DISPATCH, ifaces, "in", fromHostChain, []),
      ...hostDispatch(TO_HOST_DISPATCH, ifaces, "out", toHostChain, []),
      ...failsafeChains(family, "raw", settings),
      {
        name: PREROUTING_CHAIN,
        rules: [
          rule([], clearBits(calicoBits)),
          // Felix marks workload traffic for its RPF check (not compiled) and keeps it out of untracked policy.
          rule([ifaceIn(WORKLOAD_IFACE_PREFIX, true)], setBits(marks.scratch0)),
          rule([markClear(marks.scratch0)], jump(FROM_HOST_DISPATCH)),
          rule([markSet(marks.accept)], ACCEPT),
        ],
      },
      { name: OUTPUT_CHAIN, rules: [rule([], clearBits(calicoBits)), rule([], jump(TO_HOST_DISPATCH)), rule([markSet(marks.accept)], ACCEPT)] },
    );
    result.raw = {
      hooks: [
        { kernelChain: "PREROUTING", target: PREROUTING_CHAIN, position, matches: [] },
        { kernelChain: "OUTPUT", target: OUTPUT_CHAIN, position, matches: [] },
      ],
      chains,
    };
  }
  if (needed.mangle) {
    // Mangle: preDNAT policy, ingress only (validation refuses egress rules), with the
    // all-interfaces endpoint as the default.
    const preDnat = plans.filter((p) => hasTiers(p.tiers.preDNAT));
    const namedPre = preDnat.filter((p) => p.endpoint.iface !== ALL_INTERFACES).map((p) => p.endpoint.iface);
    const allPre = preDnat.some((p) => p.endpoint.iface === ALL_INTERFACES);
    const chains: Chain[] = preDnat.map((plan) =>
      hostEndpointChain(fromHostChain(plan.endpoint.iface), "ingress", plan.tiers.preDNAT.ingress, [], marks, { type: "preDNAT", allow: mangleAllow, failsafe: FAILSAFE_IN_CHAIN, anyTiers: true }),
    );
    chains.push(
      ...hostDispatch(FROM_HOST_DISPATCH, namedPre, "in", fromHostChain, allPre ? [rule([], goto(fromHostChain(ALL_INTERFACES)))] : []),
      ...failsafeChains(family, "mangle", settings),
      {
        name: PREROUTING_CHAIN,
        rules: [
          rule([ctstate("RELATED", "ESTABLISHED")], mangleAllow),
          rule([markSet(marks.accept)], mangleAllow),
          rule([], jump(FROM_HOST_DISPATCH)),
          rule([markSet(marks.accept)], mangleAllow, "Host endpoint policy accepted packet."),
        ],
      },
    );
    result.mangle = { hooks: [{ kernelChain: "PREROUTING", target: PREROUTING_CHAIN, position, matches: [] }], chains };
  }
  return result;
}
