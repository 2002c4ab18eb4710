/**
 * Random changes to a random cluster, for the incremental compiler's property test: what a node
 * agent sees happen to a cluster. Each change is drawn without knowing the cluster (a RECIPE,
 * with numbers that pick among what is there) and applied to the cluster as it is then
 * (`applyRecipe`), so that a sequence of changes stays meaningful.
 *
 * New resources come from the fuzzer's own arbitraries (endpointArbs.ts, calicoArbs.ts,
 * k8sArbs.ts, v1Arbs.ts), plus what those leave out: network sets, EndpointSlices and policies
 * whose rules match Services.
 */
import fc from "fast-check";
import { calicoPolicyArb, profileArb, tiersArb } from "./calicoArbs.js";
import { hostEndpointArb, podArb, serviceAccountsArb, v1WepArb, wepArb } from "./endpointArbs.js";
import { clusterPolicyArb } from "./clusterPolicyArbs.js";
import { k8sPolicyArb } from "./k8sArbs.js";
import { v1PolicyArb, v1ProfileArb } from "./v1Arbs.js";
import { compact, FUZZ_NODE, labelsArb, NAMESPACES, optional, REMOTE_NODE, TIERS, UNDEFINED_TIER, V1_PROFILES, V3_PROFILES } from "./vocabulary.js";

/** A resource document as the generators write it. */
export interface Doc {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly [k: string]: unknown };
  readonly spec?: Record<string, unknown>;
  readonly [k: string]: unknown;
}

/** What to do, before knowing the cluster: upsert a document, or change / delete the `pick`-th existing one of a kind. */
export type Recipe =
  | { readonly op: "upsert"; readonly doc: object }
  | { readonly op: "relabel"; readonly kind: string; readonly pick: number; readonly labels: Record<string, string> }
  | { readonly op: "movePod"; readonly pick: number }
  | { readonly op: "delete"; readonly kind: string | undefined; readonly pick: number };

const SERVICES = ["checkout", "gateway"] as const;

/** EndpointSlices of the two services, over the endpoints' addresses. */
const endpointSliceArb: fc.Arbitrary<object> = fc
  .record({
    name: fc.constantFrom("s1", "s2", "s3"),
    namespace: fc.constantFrom(...NAMESPACES),
    service: fc.constantFrom(...SERVICES),
    v6: fc.boolean(),
    hosts: fc.subarray([1, 2, 3, 4, 5], { maxLength: 3 }),
    ports: fc.subarray([{ port: 80, protocol: "TCP" }, { port: 53, protocol: "UDP" }, { name: "any" }], { maxLength: 2 }),
  })
  .map((s) => ({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: s.name, namespace: s.namespace, labels: { "kubernetes.io/service-name": s.service } },
    addressType: s.v6 ? "IPv6" : "IPv4",
    endpoints: s.hosts.length === 0 ? [] : [{ addresses: s.hosts.map((h) => (s.v6 ? `fd00::${h}` : `10.0.0.${h}`)) }],
    ports: s.ports,
  }));

/** A Calico NetworkPolicy whose rules match services (source: addresses; destination: address-port pairs). */
const servicePolicyArb: fc.Arbitrary<object> = fc
  .record({
    name: fc.constantFrom("svc", "web"),
    namespace: fc.constantFrom(...NAMESPACES),
    source: optional(fc.constantFrom(...SERVICES)),
    destination: optional(fc.constantFrom(...SERVICES, "payments")),
    serviceNamespace: fc.constantFrom(...NAMESPACES),
  })
  .map((p) => ({
    apiVersion: "projectcalico.org/v3",
    kind: "NetworkPolicy",
    metadata: { name: p.name, namespace: p.namespace },
    spec: {
      types: ["Ingress", "Egress"],
      ingress: p.source ? [{ action: "Allow", protocol: "TCP", source: { services: { name: p.source, namespace: p.serviceNamespace } } }] : [],
      egress: p.destination ? [{ action: "Allow", destination: { services: { name: p.destination, namespace: p.serviceNamespace } } }] : [],
    },
  }));

const networkSetArb: fc.Arbitrary<object> = fc
  .record({
    global: fc.boolean(),
    name: fc.constantFrom("ext", "lab"),
    namespace: fc.constantFrom(...NAMESPACES),
    labels: fc.oneof(labelsArb, fc.constant({ app: "web" })),
    nets: fc.subarray(["192.168.1.0/24", "10.0.0.0/30", "10.0.0.4/32", "2001:db8::/64", "fd00::/126"], { minLength: 1, maxLength: 3 }),
  })
  .map((s) => ({
    apiVersion: "projectcalico.org/v3",
    kind: s.global ? "GlobalNetworkSet" : "NetworkSet",
    metadata: compact({ name: s.name, namespace: s.global ? undefined : s.namespace, labels: s.labels }),
    spec: { nets: s.nets },
  }));

/**
 * FelixConfiguration, global or per node (this one or another): fields that leave the node's
 * settings at Felix's defaults (an unsupported field, a default spelled out), which the
 * incremental compiler keeps incremental, and fields that change them, which make it compile in
 * full (createCompiler.ts `settingsNeedFullCompile`).
 */
const felixConfigurationArb: fc.Arbitrary<object> = fc
  .record({
    name: fc.constantFrom("default", `node.${FUZZ_NODE}`, `node.${REMOTE_NODE}`),
    spec: fc.constantFrom<Record<string, unknown>>(
      {},
      { logSeverityScreen: "Info" },
      { defaultEndpointToHostAction: "Drop", iptablesMarkMask: 0xffff0000, logPrefix: "calico-packet" },
      { failsafeInboundHostPorts: [{ protocol: "TCP", port: 22 }, { protocol: "UDP", port: 68 }, { protocol: "TCP", port: 179 }, { protocol: "TCP", port: 2379 }, { protocol: "TCP", port: 2380 }, { protocol: "TCP", port: 5473 }, { protocol: "TCP", port: 6443 }, { protocol: "TCP", port: 6666 }, { protocol: "TCP", port: 6667 }] },
      { defaultEndpointToHostAction: "Accept" },
      { vxlanPort: 4790 },
      { logPrefix: "policy %n" },
      { iptablesMarkMask: 0xff00 },
      { vxlanEnabled: true },
    ),
  })
  .map((c) => ({ apiVersion: "projectcalico.org/v3", kind: "FelixConfiguration", metadata: { name: c.name }, spec: c.spec }));

/** Namespace labels, as namespace selectors read them. */
const teamArb: fc.Arbitrary<Record<string, string>> = optional(fc.constantFrom("x", "y")).map((team): Record<string, string> => (team !== undefined ? { team } : {}));

const namespaceArb: fc.Arbitrary<object> = fc
  .record({ name: fc.constantFrom(...NAMESPACES, "d"), labels: teamArb })
  .map((n) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: n.name, labels: n.labels } }));

/** Endpoints are drawn with indices 0-9: an index in use replaces that endpoint (a namespace or node move, new addresses). */
const endpointIndex = fc.integer({ min: 0, max: 9 });

const upsert = (arb: fc.Arbitrary<object>): fc.Arbitrary<Recipe> => arb.map((doc) => ({ op: "upsert", doc }));

/** One change; pods and policies change most, as in a cluster. */
export const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 6, arbitrary: upsert(endpointIndex.chain((i) => podArb(i).map((e) => e.resource))) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("relabel" as const), kind: fc.constant("Pod"), pick: fc.nat(), labels: labelsArb }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("movePod" as const), pick: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ op: fc.constant("delete" as const), kind: fc.constantFrom<string | undefined>("Pod", "NetworkPolicy", "GlobalNetworkPolicy", "ClusterNetworkPolicy", "AdminNetworkPolicy", "FelixConfiguration", undefined), pick: fc.nat() }) },
  { weight: 3, arbitrary: upsert(namespaceArb) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("relabel" as const), kind: fc.constant("Namespace"), pick: fc.nat(), labels: teamArb }) },
  { weight: 3, arbitrary: upsert(k8sPolicyArb) },
  { weight: 4, arbitrary: upsert(calicoPolicyArb([...TIERS, UNDEFINED_TIER])) },
  { weight: 1, arbitrary: upsert(v1PolicyArb) },
  { weight: 3, arbitrary: upsert(clusterPolicyArb) },
  { weight: 2, arbitrary: upsert(servicePolicyArb) },
  { weight: 2, arbitrary: upsert(endpointSliceArb) },
  { weight: 2, arbitrary: upsert(tiersArb.filter((ts) => ts.length > 0).map((ts) => ts[0]!)) },
  { weight: 2, arbitrary: upsert(networkSetArb) },
  { weight: 1, arbitrary: upsert(fc.constantFrom(...V3_PROFILES).chain(profileArb)) },
  { weight: 1, arbitrary: upsert(fc.constantFrom(...V1_PROFILES).chain(v1ProfileArb)) },
  { weight: 1, arbitrary: upsert(serviceAccountsArb.filter((sas) => sas.length > 0).map((sas) => sas[0]!)) },
  { weight: 1, arbitrary: upsert(hostEndpointArb(true)) },
  { weight: 1, arbitrary: upsert(felixConfigurationArb) },
  { weight: 2, arbitrary: upsert(endpointIndex.chain((i) => wepArb(i).map((e) => e.resource))) },
  { weight: 1, arbitrary: upsert(endpointIndex.chain((i) => v1WepArb(i).map((e) => e.resource))) },
);

/** The generators' spelling of a kind (v1 documents spell theirs in lower case). */
const kindOf = (d: Doc): string => d.kind.charAt(0).toUpperCase() + d.kind.slice(1);

function pickOf(docs: readonly Doc[], kind: string | undefined, pick: number): Doc | undefined {
  const of = kind === undefined ? docs : docs.filter((d) => kindOf(d) === kind);
  return of.length === 0 ? undefined : of[pick % of.length];
}

/** What a recipe does to the cluster's documents: a document to upsert, or one to delete. */
export function applyRecipe(docs: readonly Doc[], recipe: Recipe): { upsert: Doc } | { delete: Doc } | undefined {
  switch (recipe.op) {
    case "upsert":
      return { upsert: recipe.doc as Doc };
    case "relabel": {
      const d = pickOf(docs, recipe.kind, recipe.pick);
      return d && { upsert: { ...d, metadata: { ...d.metadata, labels: recipe.labels } } };
    }
    case "movePod": {
      const d = pickOf(docs, "Pod", recipe.pick);
      if (!d?.spec) return undefined;
      return { upsert: { ...d, spec: { ...d.spec, nodeName: d.spec.nodeName === FUZZ_NODE ? REMOTE_NODE : FUZZ_NODE } } };
    }
    case "delete": {
      const d = pickOf(docs, recipe.kind, recipe.pick);
      return d && { delete: d };
    }
  }
}
