/**
 * Arbitraries for the cluster-scoped policy kinds of policy.networking.k8s.io:
 * ClusterNetworkPolicy (v1alpha2, Admin and Baseline tiers), AdminNetworkPolicy and
 * BaselineAdminNetworkPolicy (v1alpha1). Subjects by namespace or by pod; peers by namespace, by
 * pod, by network (egress) and, rarely, by node (which Calico fails closed); ports by protocol,
 * number, range and name. Priorities come from a tiny pool so that they tie.
 *
 * Every document is meant to be valid: named ports never go with networks or nodes peers (a CEL
 * rule of the CRDs), ranges have start < end, and the baseline kind is named `default`.
 */
import fc from "fast-check";
import { APPS, ENVS, NETS, optional, POLICY_NAMES } from "./vocabulary.js";

const PRIORITIES = [1, 10, 10, 50] as const;

const podSelectorArb: fc.Arbitrary<object> = fc.oneof(
  fc.constant({}),
  fc.constantFrom(...APPS).map((app) => ({ matchLabels: { app } })),
  fc.constantFrom(...ENVS).map((env) => ({ matchExpressions: [{ key: "env", operator: "NotIn", values: [env] }] })),
  fc.constant({ matchExpressions: [{ key: "app", operator: "Exists" }] }),
);

/** Over the namespaces' `team` label; DoesNotExist also matches members outside every namespace in Calico. */
const namespaceSelectorArb: fc.Arbitrary<object> = fc.oneof(
  fc.constant({}),
  fc.constantFrom("x", "y").map((team) => ({ matchLabels: { team } })),
  fc.constant({ matchExpressions: [{ key: "team", operator: "Exists" }] }),
  fc.constant({ matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }),
);

const podsArb = (v1: boolean): fc.Arbitrary<object> =>
  fc.record({ namespaceSelector: v1 ? namespaceSelectorArb : optional(namespaceSelectorArb), podSelector: podSelectorArb }).map((p) =>
    Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
  );

const subjectArb = (v1: boolean): fc.Arbitrary<object> => fc.oneof(namespaceSelectorArb.map((namespaces) => ({ namespaces })), podsArb(v1).map((pods) => ({ pods })));

/** Networks: one or two CIDRs, sometimes of both families in one peer. */
const networksArb: fc.Arbitrary<string[]> = fc.subarray([...NETS[4], ...NETS[6]], { minLength: 1, maxLength: 2 });

const peerArb = (v1: boolean, egress: boolean, named: boolean): fc.Arbitrary<object> =>
  fc.oneof(
    { weight: 3, arbitrary: namespaceSelectorArb.map((namespaces) => ({ namespaces })) },
    { weight: 3, arbitrary: podsArb(v1).map((pods) => ({ pods })) },
    { weight: egress && !named ? 3 : 0, arbitrary: networksArb.map((networks) => ({ networks })) },
    { weight: egress && !named ? 1 : 0, arbitrary: podSelectorArb.map((nodes) => ({ nodes })) },
  );

const rangeArb = fc.constantFrom({ start: 80, end: 85 }, { start: 53, end: 80 }, { start: 443, end: 8080 });

/** v1alpha2 `protocols` entries; `named` says whether a named port is among them. */
const protocolsV2Arb: fc.Arbitrary<{ list: object[]; named: boolean }> = fc
  .array(
    fc.oneof(
      fc.record({ p: fc.constantFrom("tcp", "udp", "sctp"), port: fc.constantFrom(53, 80, 8080) }).map(({ p, port }) => ({ [p]: { destinationPort: { number: port } } })),
      fc.record({ p: fc.constantFrom("tcp", "udp"), range: rangeArb }).map(({ p, range }) => ({ [p]: { destinationPort: { range } } })),
      fc.constantFrom("http", "dns", "web").map((destinationNamedPort) => ({ destinationNamedPort })),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((list) => ({ list, named: list.some((p) => "destinationNamedPort" in p) }));

/** v1alpha1 `ports` entries. */
const portsV1Arb: fc.Arbitrary<{ list: object[]; named: boolean }> = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.record({ protocol: optional(fc.constantFrom("TCP", "UDP", "SCTP")), port: fc.constantFrom(53, 80, 8080) }).map((portNumber) => ({ portNumber: JSON.parse(JSON.stringify(portNumber)) as object })) },
      { weight: 2, arbitrary: fc.record({ protocol: optional(fc.constantFrom("TCP", "UDP")), range: rangeArb }).map(({ protocol, range }) => ({ portRange: JSON.parse(JSON.stringify({ protocol, ...range })) as object })) },
      { weight: 1, arbitrary: fc.constantFrom("http", "dns").map((namedPort) => ({ namedPort })) },
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((list) => ({ list, named: list.some((p) => "namedPort" in p) }));

const ruleArb = (v1: boolean, actions: readonly string[], egress: boolean): fc.Arbitrary<object> =>
  fc
    .record({ name: optional(fc.constantFrom("r1", "r2")), action: fc.constantFrom(...actions), ports: optional(v1 ? portsV1Arb : protocolsV2Arb) })
    .chain((r) =>
      fc.array(peerArb(v1, egress, r.ports?.named ?? false), { minLength: 1, maxLength: 2 }).map((peers) => ({
        ...(r.name !== undefined ? { name: r.name } : {}),
        action: r.action,
        [egress ? "to" : "from"]: peers,
        ...(r.ports ? { [v1 ? "ports" : "protocols"]: r.ports.list } : {}),
      })),
    );

const rulesArb = (v1: boolean, actions: readonly string[]) =>
  fc.record({
    ingress: optional(fc.array(ruleArb(v1, actions, false), { maxLength: 3 })),
    egress: optional(fc.array(ruleArb(v1, actions, true), { maxLength: 3 })),
  });

const strip = (o: object): object => JSON.parse(JSON.stringify(o)) as object;

/** A ClusterNetworkPolicy (v1alpha2) of either tier. */
export const clusterNetworkPolicyArb: fc.Arbitrary<object> = fc
  .record({ name: fc.constantFrom(...POLICY_NAMES), tier: fc.constantFrom("Admin", "Admin", "Baseline"), priority: fc.constantFrom(...PRIORITIES), subject: subjectArb(false), rules: rulesArb(false, ["Accept", "Deny", "Pass"]) })
  .map((p) =>
    strip({
      apiVersion: "policy.networking.k8s.io/v1alpha2",
      kind: "ClusterNetworkPolicy",
      metadata: { name: p.name },
      spec: { tier: p.tier, priority: p.priority, subject: p.subject, ingress: p.rules.ingress, egress: p.rules.egress },
    }),
  );

/** An AdminNetworkPolicy (v1alpha1). */
export const adminNetworkPolicyArb: fc.Arbitrary<object> = fc
  .record({ name: fc.constantFrom(...POLICY_NAMES), priority: fc.constantFrom(...PRIORITIES), subject: subjectArb(true), rules: rulesArb(true, ["Allow", "Deny", "Pass"]) })
  .map((p) =>
    strip({
      apiVersion: "policy.networking.k8s.io/v1alpha1",
      kind: "AdminNetworkPolicy",
      metadata: { name: p.name },
      spec: { priority: p.priority, subject: p.subject, ingress: p.rules.ingress, egress: p.rules.egress },
    }),
  );

/** The BaselineAdminNetworkPolicy (v1alpha1): always named `default`. */
export const baselineAdminNetworkPolicyArb: fc.Arbitrary<object> = fc.record({ subject: subjectArb(true), rules: rulesArb(true, ["Allow", "Deny"]) }).map((p) =>
  strip({
    apiVersion: "policy.networking.k8s.io/v1alpha1",
    kind: "BaselineAdminNetworkPolicy",
    metadata: { name: "default" },
    spec: { subject: p.subject, ingress: p.rules.ingress, egress: p.rules.egress },
  }),
);

/** Any of the three kinds, the current one most often. */
export const clusterPolicyArb: fc.Arbitrary<object> = fc.oneof(
  { weight: 3, arbitrary: clusterNetworkPolicyArb },
  { weight: 1, arbitrary: adminNetworkPolicyArb },
  { weight: 1, arbitrary: baselineAdminNetworkPolicyArb },
);
