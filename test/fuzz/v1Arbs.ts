/**
 * Arbitraries for the legacy calicoctl v1 resources (`apiVersion: v1`, lower-case kinds; see
 * src/model/validate/schemas/calicoV1.ts): profiles with tags and labels, policies, and their
 * rules with tags, `net` / `nets`, lower-case actions (including `next-tier`, the backend's
 * spelling of pass) and lower-case protocols. Workload endpoints are in endpointArbs.ts.
 *
 * Validity (typha/pkg/validator/v1/validator.go `validateRule`): as for v3 rules, plus a rule uses
 * either the singular `net` / `notNet` fields or the list ones, never both.
 */
import fc from "fast-check";
import { portsArb, ruleHeadArb, type SideOptions } from "./calicoArbs.js";
import { compact, type Fam, labelsArb, NETS, optional, ORDERS, POLICY_NAMES, selectorArb, V1_PROFILES, V1_TAGS } from "./vocabulary.js";

/** v1 spells protocols in lower case. */
const V1_PROTOCOL: Readonly<Record<string, string>> = { TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPv6: "icmpv6", SCTP: "sctp", UDPLite: "udplite" };
const v1Protocol = (p: string | number | undefined): string | number | undefined => (typeof p === "string" ? V1_PROTOCOL[p] : p);

const tagArb = fc.constantFrom(...V1_TAGS, ...V1_PROFILES);

/** One side of a v1 rule; `singular` picks `net` / `notNet` over `nets` / `notNets`. */
function v1EntityArb(o: SideOptions, singular: boolean): fc.Arbitrary<object> {
  const fam: Fam | undefined = o.fam;
  const { ports, notPorts } = portsArb(o.ports);
  const nets = fam === undefined ? [] : [...NETS[fam]];
  const notNets = nets.filter((n) => !n.endsWith("/0"));
  const fields: Record<string, fc.Arbitrary<unknown>> = {
    tag: tagArb,
    notTag: tagArb,
    selector: selectorArb(true),
    notSelector: selectorArb(true),
    ports,
    notPorts,
    ...(fam === undefined
      ? {}
      : singular
        ? { net: fc.constantFrom(...nets), notNet: fc.constantFrom(...notNets) }
        : { nets: fc.subarray(nets, { minLength: 1, maxLength: 2 }), notNets: fc.subarray(notNets, { minLength: 1, maxLength: 2 }) }),
  };
  return fc
    .subarray(Object.keys(fields), { maxLength: 2 })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]!]))))
    .map(compact);
}

const V1_PROTOCOLS = ["TCP", "TCP", "UDP", "ICMP", "ICMPv6", "SCTP", 17];

/** A v1 rule. */
export const v1RuleArb: fc.Arbitrary<object> = fc
  .record({
    action: fc.constantFrom("allow", "allow", "deny", "log", "pass", "next-tier"),
    head: ruleHeadArb(V1_PROTOCOLS, ["UDP", "TCP", "ICMP"]),
    singular: fc.boolean(),
  })
  .chain(({ action, head, singular }) => {
    const side: SideOptions = { fam: head.fam, ports: head.ports };
    return fc.record({ source: v1EntityArb(side, singular), destination: v1EntityArb(side, singular) }).map((e) =>
      compact({
        action,
        ipVersion: head.fam,
        protocol: v1Protocol(head.protocol),
        notProtocol: v1Protocol(head.notProtocol),
        icmp: head.icmp,
        notICMP: head.notICMP,
        source: Object.keys(e.source).length > 0 ? e.source : undefined,
        destination: Object.keys(e.destination).length > 0 ? e.destination : undefined,
      }),
    );
  });

/** A v1 profile: tags, labels and rules. */
export const v1ProfileArb = (name: (typeof V1_PROFILES)[number]): fc.Arbitrary<object> =>
  fc
    .record({
      tags: optional(fc.subarray([...V1_TAGS], { minLength: 1, maxLength: 2 })),
      labels: optional(labelsArb),
      ingress: optional(fc.array(v1RuleArb, { maxLength: 2 })),
      egress: optional(fc.array(v1RuleArb, { maxLength: 2 })),
    })
    .map((p) => ({
      apiVersion: "v1",
      kind: "profile",
      metadata: compact({ name, tags: p.tags, labels: p.labels }),
      spec: compact({ ingress: p.ingress, egress: p.egress }),
    }));

/** A v1 policy (a global policy of the default tier). */
export const v1PolicyArb: fc.Arbitrary<object> = fc
  .record({
    name: fc.constantFrom(...POLICY_NAMES),
    order: fc.constantFrom(...ORDERS),
    selector: optional(selectorArb(true)),
    types: optional(fc.subarray(["ingress", "egress"], { minLength: 1 })),
    ingress: optional(fc.array(v1RuleArb, { maxLength: 3 })),
    egress: optional(fc.array(v1RuleArb, { maxLength: 3 })),
  })
  .map((p) => ({
    apiVersion: "v1",
    kind: "policy",
    metadata: { name: p.name },
    spec: compact({ order: p.order, selector: p.selector, types: p.types, ingress: p.ingress, egress: p.egress }),
  }));
