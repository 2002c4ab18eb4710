/**
 * Arbitraries for Calico projectcalico.org/v3 resources: rules, NetworkPolicies,
 * GlobalNetworkPolicies (with preDNAT / doNotTrack / applyOnForward), Tiers and Profiles.
 *
 * Every rule keeps Calico's cross-field validation (libcalico-go/lib/validator/v3/validator.go
 * `validateRule`, and the CEL rules on api/pkg/apis/projectcalico/v3/policy_common.go `Rule`):
 * numeric ports need protocol TCP, UDP or SCTP (named ports alone may go without a protocol);
 * `icmp` and `notICMP` need protocol ICMP or ICMPv6; ICMP (in `protocol` or `notProtocol`) needs
 * ipVersion 4 when one is given, ICMPv6 ipVersion 6; all nets of a rule are of one family,
 * matching ipVersion; and notNets never hold the whole address space.
 */
import fc from "fast-check";
import {
  compact,
  type Fam,
  labelsArb,
  namespaceSelectorArb,
  NAMESPACES,
  NETS,
  optional,
  ORDERS,
  POLICY_NAMES,
  SERVICE_ACCOUNTS,
  selectorArb,
  serviceAccountSelectorArb,
  TIERS,
  UNDEFINED_TIER,
  type V3_PROFILES,
} from "./vocabulary.js";

type Protocol = string | number;

/** The protocols a v3 rule may name (case-sensitive names, or numbers). */
const PROTOCOLS: readonly Protocol[] = ["TCP", "TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite", 6, 1, 58];
const NOT_PROTOCOLS: readonly Protocol[] = ["UDP", "TCP", "ICMP", "ICMPv6", 17];

function isIcmp(p: Protocol | undefined): 4 | 6 | undefined {
  if (p === "ICMP" || p === 1) return 4;
  if (p === "ICMPv6" || p === 58) return 6;
  return undefined;
}

function hasPorts(p: Protocol | undefined): boolean {
  return p === "TCP" || p === "UDP" || p === "SCTP" || p === 6 || p === 17 || p === 132;
}

/** ICMP types (and codes) worth matching per family: echo request / reply, unreachable. */
const ICMP_TYPES: Readonly<Record<Fam, readonly number[]>> = { 4: [8, 0, 3], 6: [128, 129, 1] };

const icmpFieldsArb = (fam: Fam): fc.Arbitrary<object> =>
  fc.record({ type: fc.constantFrom(...ICMP_TYPES[fam]), code: optional(fc.constantFrom(0, 1)) }).map(compact);

/** What a rule side may constrain, given the rule's family and whether its protocol has ports. */
export interface SideOptions {
  readonly fam: Fam | undefined;
  /** "numeric": numbers, ranges and names; "named": names only (no protocol); "none". */
  readonly ports: "numeric" | "named" | "none";
}

export function netsArb(fam: Fam | undefined): fc.Arbitrary<string[] | undefined> {
  return fam === undefined ? fc.constant(undefined) : optional(fc.subarray([...NETS[fam]], { minLength: 1, maxLength: 2 }));
}

/** notNets may not hold the whole address space (validator.go `validateRule`). */
export function notNetsArb(fam: Fam | undefined): fc.Arbitrary<string[] | undefined> {
  return fam === undefined ? fc.constant(undefined) : optional(fc.subarray(NETS[fam].filter((n) => !n.endsWith("/0")), { minLength: 1, maxLength: 2 }));
}

export function portsArb(kind: SideOptions["ports"]): { ports: fc.Arbitrary<(number | string)[] | undefined>; notPorts: fc.Arbitrary<(number | string)[] | undefined> } {
  if (kind === "none") return { ports: fc.constant(undefined), notPorts: fc.constant(undefined) };
  if (kind === "named") {
    return {
      ports: optional(fc.subarray<number | string>(["http", "dns", "web"], { minLength: 1, maxLength: 2 })),
      notPorts: optional(fc.subarray<number | string>(["http", "web"], { minLength: 1, maxLength: 1 })),
    };
  }
  return {
    ports: optional(fc.subarray<number | string>([80, 53, "80:90", 8080, "http", "dns", "web", "8000:9000"], { minLength: 1, maxLength: 3 })),
    notPorts: optional(fc.subarray<number | string>([85, "http", "1:79", "web"], { minLength: 1, maxLength: 2 })),
  };
}

const serviceAccountsArb: fc.Arbitrary<object> = fc.oneof(
  fc.subarray([...SERVICE_ACCOUNTS], { minLength: 1, maxLength: 2 }).map((names) => ({ names })),
  serviceAccountSelectorArb.map((selector) => ({ selector })),
  fc.record({ names: fc.subarray([...SERVICE_ACCOUNTS], { minLength: 1, maxLength: 2 }), selector: serviceAccountSelectorArb }),
);

/** One side of a v3 rule: at most two criteria, so that rules still match a fair share of flows. */
export function entityArb(o: SideOptions): fc.Arbitrary<object> {
  const { ports, notPorts } = portsArb(o.ports);
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    selector: selectorArb(),
    notSelector: selectorArb(),
    namespaceSelector: namespaceSelectorArb,
    serviceAccounts: serviceAccountsArb,
    nets: netsArb(o.fam),
    notNets: notNetsArb(o.fam),
    ports,
    notPorts,
  };
  return fc
    .subarray(Object.keys(fields), { maxLength: 2 })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]!]))))
    .map(compact);
}

/** The head of a rule (protocol, family, ICMP) made consistent; the sides follow from it. */
interface RuleHead {
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly fam?: Fam;
  readonly icmp?: object;
  readonly notICMP?: object;
  readonly ports: SideOptions["ports"];
}

/**
 * A consistent rule head from independent draws: an ICMP protocol fixes the family (kept
 * implicit half the time), notProtocol is dropped when it names the protocol or contradicts the
 * family, and icmp / notICMP exist only with an ICMP protocol.
 */
export function ruleHeadArb(protocols: readonly Protocol[], notProtocols: readonly Protocol[]): fc.Arbitrary<RuleHead> {
  return fc
    .record({
      protocol: optional(fc.constantFrom(...protocols)),
      notProtocol: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom(...notProtocols) }),
      fam: fc.constantFrom<Fam | undefined>(undefined, undefined, 4, 6),
      icmp: fc.constantFrom("none", "none", "icmp", "notICMP", "both"),
      explicitFam: fc.boolean(),
    })
    .chain((r) => {
      const icmpFam = isIcmp(r.protocol);
      const fam: Fam | undefined = icmpFam !== undefined ? (r.explicitFam || r.fam !== undefined ? icmpFam : undefined) : r.fam;
      const notFam = isIcmp(r.notProtocol);
      const notProtocol = r.notProtocol === r.protocol || (notFam !== undefined && fam !== undefined && notFam !== fam) ? undefined : r.notProtocol;
      const ports: SideOptions["ports"] = hasPorts(r.protocol) ? "numeric" : r.protocol === undefined ? "named" : "none";
      if (icmpFam === undefined || r.icmp === "none") return fc.constant({ protocol: r.protocol, notProtocol, fam, ports });
      return fc
        .record({ icmp: icmpFieldsArb(icmpFam), notICMP: icmpFieldsArb(icmpFam) })
        .map((x) => ({
          protocol: r.protocol,
          notProtocol,
          fam,
          ports,
          ...(r.icmp !== "notICMP" ? { icmp: x.icmp } : {}),
          ...(r.icmp !== "icmp" ? { notICMP: x.notICMP } : {}),
        }));
    });
}

/** A v3 rule with the given actions. */
export const calicoRuleArb = (actions: readonly string[] = ["Allow", "Allow", "Deny", "Pass", "Log"]): fc.Arbitrary<object> =>
  fc.record({ action: fc.constantFrom(...actions), head: ruleHeadArb(PROTOCOLS, NOT_PROTOCOLS) }).chain(({ action, head }) => {
    const side: SideOptions = { fam: head.fam, ports: head.ports };
    return fc.record({ source: entityArb(side), destination: entityArb(side), withVersion: fc.boolean() }).map((e) =>
      compact({
        action,
        protocol: head.protocol,
        notProtocol: head.notProtocol,
        // The family is written out, or left to the nets / ICMP protocol that imply it.
        ipVersion: head.fam !== undefined && (e.withVersion || !impliesFamily(e.source, e.destination, head)) ? head.fam : undefined,
        icmp: head.icmp,
        notICMP: head.notICMP,
        source: Object.keys(e.source).length > 0 ? e.source : undefined,
        destination: Object.keys(e.destination).length > 0 ? e.destination : undefined,
      }),
    );
  });

/** Whether something besides ipVersion already confines the rule to its family. */
function impliesFamily(source: object, destination: object, head: RuleHead): boolean {
  const nets = (e: object) => "nets" in e || "notNets" in e || "net" in e || "notNet" in e;
  return nets(source) || nets(destination) || isIcmp(head.protocol) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Policies

/** The GlobalNetworkPolicy options: none, applyOnForward, or preDNAT / doNotTrack (which need it). */
export type GnpFlavour = "plain" | "applyOnForward" | "preDNAT" | "doNotTrack";

/** A Calico NetworkPolicy or GlobalNetworkPolicy; `tiers` are the tier names policies may use. */
export const calicoPolicyArb = (tiers: readonly string[]): fc.Arbitrary<object> =>
  fc
    .record({
      global: fc.boolean(),
      flavour: fc.constantFrom<GnpFlavour>("plain", "plain", "plain", "plain", "applyOnForward", "preDNAT", "doNotTrack"),
      name: fc.constantFrom(...POLICY_NAMES),
      namespace: fc.constantFrom(...NAMESPACES),
      tier: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom("default", ...tiers) }),
      order: fc.constantFrom(...ORDERS),
      selector: optional(selectorArb()),
      serviceAccountSelector: fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: serviceAccountSelectorArb }),
      types: optional(fc.subarray(["Ingress", "Egress"], { minLength: 1 })),
      ingress: optional(fc.array(calicoRuleArb(), { maxLength: 3 })),
      egress: optional(fc.array(calicoRuleArb(), { maxLength: 3 })),
      namespaceSelector: optional(namespaceSelectorArb),
    })
    .map((p) => {
      const flavour = p.global ? p.flavour : "plain";
      // preDNAT policies police ingress only (validator.go `validateGlobalNetworkPolicySpec`).
      const preDNAT = flavour === "preDNAT";
      return {
        apiVersion: "projectcalico.org/v3",
        kind: p.global ? "GlobalNetworkPolicy" : "NetworkPolicy",
        metadata: compact({ name: p.name, namespace: p.global ? undefined : p.namespace }),
        spec: compact({
          tier: p.tier,
          order: p.order,
          selector: p.selector,
          serviceAccountSelector: p.serviceAccountSelector,
          types: preDNAT ? (p.types ? ["Ingress"] : undefined) : p.types,
          ingress: p.ingress,
          egress: preDNAT ? undefined : p.egress,
          namespaceSelector: p.global ? p.namespaceSelector : undefined,
          applyOnForward: flavour === "plain" ? undefined : true,
          preDNAT: preDNAT ? true : undefined,
          doNotTrack: flavour === "doNotTrack" ? true : undefined,
        }),
      };
    });

/** Tiers for a cluster: each defined one maybe present, with an order (ties included) and default action. */
export const tiersArb: fc.Arbitrary<object[]> = fc
  .tuple(
    ...TIERS.map((name) =>
      optional(
        fc.record({ order: fc.constantFrom(undefined, 1, 100, 100, 2_000_000), defaultAction: fc.constantFrom(undefined, "Deny", "Pass", "Pass") }).map((t) => ({
          apiVersion: "projectcalico.org/v3",
          kind: "Tier",
          metadata: { name },
          spec: compact(t),
        })),
      ),
    ),
  )
  .map((ts) => ts.filter((t): t is NonNullable<typeof t> => t !== undefined));

/** The tier names policies may use: the defined ones and, sometimes, one nobody defines. */
export function usableTiers(tiers: readonly object[], withUndefined: boolean): string[] {
  const names = tiers.map((t) => (t as { metadata: { name: string } }).metadata.name);
  return withUndefined ? [...names, UNDEFINED_TIER] : names;
}

/** A v3 Profile with labels to apply and rules. */
export const profileArb = (name: (typeof V3_PROFILES)[number]): fc.Arbitrary<object> =>
  fc
    .record({
      labelsToApply: optional(fc.oneof(labelsArb, fc.constant({ tier: "gold" }))),
      ingress: optional(fc.array(calicoRuleArb(["Allow", "Deny", "Pass", "Log"]), { maxLength: 2 })),
      egress: optional(fc.array(calicoRuleArb(["Allow", "Deny", "Pass", "Log"]), { maxLength: 2 })),
    })
    .map((s) => ({ apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name }, spec: compact(s) }));
