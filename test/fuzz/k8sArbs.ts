/**
 * Arbitraries for Kubernetes networking.k8s.io/v1 NetworkPolicies: label selectors, peers
 * (pods, namespaces, both, ipBlocks), numeric and named ports with endPort ranges.
 */
import fc from "fast-check";
import { APPS, compact, ENVS, NAMESPACES, optional, POLICY_NAMES } from "./vocabulary.js";

const labelSelectorArb: fc.Arbitrary<object> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ app: optional(fc.constantFrom(...APPS)), env: optional(fc.constantFrom(...ENVS)) }).map(compact) }),
  fc.record({
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom("app", "env"), operator: fc.constantFrom("In", "NotIn"), values: fc.subarray([...APPS, ...ENVS], { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom("app", "env"), operator: fc.constantFrom("Exists", "DoesNotExist") }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

const ipBlockArb = fc.oneof(
  fc.constant({ cidr: "10.0.0.0/29" }),
  fc.constant({ cidr: "10.0.0.0/24", except: ["10.0.0.0/30"] }),
  fc.constant({ cidr: "192.168.0.0/16", except: ["192.168.1.0/24"] }),
  fc.constant({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }),
  fc.constant({ cidr: "fd00::/120" }),
  fc.constant({ cidr: "::/0", except: ["fd00::/64"] }),
);

const k8sPeerArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({ podSelector: labelSelectorArb }),
  fc.record({ namespaceSelector: fc.oneof(fc.constant({}), fc.record({ matchLabels: fc.record({ team: fc.constantFrom("x", "y") }) })) }),
  fc.record({ podSelector: labelSelectorArb, namespaceSelector: fc.constant({}) }),
  fc.record({ ipBlock: ipBlockArb }),
);

const k8sPortArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({ protocol: optional(fc.constantFrom("TCP", "UDP")), port: fc.constantFrom(80, 53, 8080) }).map(compact),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom("http", "dns", "web") }),
  fc.record({ protocol: optional(fc.constant("TCP")), port: fc.constant(80), endPort: fc.constantFrom(85, 443) }).map(compact),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP", "SCTP") }),
);

const k8sRuleArb = (peerKey: "from" | "to"): fc.Arbitrary<object> =>
  fc
    .record({ peers: optional(fc.array(k8sPeerArb, { maxLength: 2 })), ports: optional(fc.array(k8sPortArb, { maxLength: 2 })) })
    .map((r) => compact({ [peerKey]: r.peers, ports: r.ports }));

/** A Kubernetes NetworkPolicy, named from the shared pool. */
export const k8sPolicyArb: fc.Arbitrary<object> = fc
  .record({
    name: fc.constantFrom(...POLICY_NAMES),
    namespace: fc.constantFrom(...NAMESPACES),
    podSelector: labelSelectorArb,
    types: optional(fc.subarray(["Ingress", "Egress"], { minLength: 1 })),
    ingress: optional(fc.array(k8sRuleArb("from"), { maxLength: 2 })),
    egress: optional(fc.array(k8sRuleArb("to"), { maxLength: 2 })),
  })
  .map((p) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: p.name, namespace: p.namespace },
    spec: compact({ podSelector: p.podSelector, policyTypes: p.types, ingress: p.ingress, egress: p.egress }),
  }));
