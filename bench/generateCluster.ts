/**
 * Generates a synthetic cluster in the shapes of Felix's benchmarks: namespaces, pods spread over
 * nodes (a fixed number on the local node), and a mix of Kubernetes NetworkPolicies, Calico
 * NetworkPolicies and GlobalNetworkPolicies in tiers, with label selectors of realistic variety,
 * ipBlocks with excepts and named ports. Deterministic for a given seed.
 */
import { dump } from "js-yaml";

export interface ClusterShape {
  readonly name: string;
  readonly namespaces: number;
  readonly pods: number;
  readonly localPods: number;
  readonly policies: number;
  readonly seed?: number;
}

export const shapes = {
  lint: { name: "lint-10k", namespaces: 100, pods: 10_000, localPods: 200, policies: 1_000 },
  S: { name: "S", namespaces: 100, pods: 10_000, localPods: 200, policies: 1_000 },
  L: { name: "L", namespaces: 500, pods: 250_000, localPods: 200, policies: 10_000 },
} as const satisfies Record<string, ClusterShape>;

export const localNode = "node-local";

const apps = Array.from({ length: 60 }, (_, i) => `app-${i}`);
const tiersOfApp = ["web", "api", "db", "cache", "queue"];
const envs = ["prod", "staging", "dev"];
const teams = ["payments", "search", "identity", "ads", "infra", "data"];

/** A small deterministic PRNG (mulberry32), so every run generates the same cluster. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The cluster as plain resource objects (the shape of the YAML documents). */
export function generateResources(shape: ClusterShape): object[] {
  const rand = rng(shape.seed ?? 1);
  const pick = picker(rand);
  const out: object[] = [];
  for (let n = 0; n < shape.namespaces; n++) {
    out.push({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: `ns-${n}`, labels: { team: teams[n % teams.length], env: envs[n % envs.length] } },
    });
  }
  out.push({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "security" }, spec: { order: 100 } });
  out.push({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "platform" }, spec: { order: 200, defaultAction: "Pass" } });
  for (let p = 0; p < shape.pods; p++) out.push(generatePod(shape, p, pick));
  for (let i = 0; i < shape.policies; i++) out.push(generatePolicy(shape, i, rand));
  return out;
}

/** A PRNG's picker. */
function picker(rand: () => number): <T>(xs: readonly T[]) => T {
  return <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
}

/**
 * Pod number `p` of the shape (name, namespace, node and addresses follow from `p`; labels are
 * drawn with `pick`). Pods beyond the shape's count are remote, with addresses after the others'.
 */
export function generatePod(shape: ClusterShape, p: number, pick: <T>(xs: readonly T[]) => T): object {
  const ns = `ns-${p % shape.namespaces}`;
  const local = p < shape.localPods;
  const q = p + 1;
  const ip = `10.${64 + (q >> 16)}.${(q >> 8) & 255}.${q & 255}`;
  const dual = p % 4 === 0;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `pod-${p}`,
      namespace: ns,
      labels: { app: pick(apps), tier: pick(tiersOfApp), env: pick(envs), version: `v${p % 5}` },
    },
    spec: {
      nodeName: local ? localNode : `node-${1 + (p % 500)}`,
      serviceAccountName: p % 3 === 0 ? "default" : `sa-${p % 7}`,
      containers: [
        {
          name: "main",
          image: "registry.example/app:1",
          ports: [
            { name: "http", containerPort: 8080, protocol: "TCP" },
            { name: "metrics", containerPort: 9090 },
            { name: "dns", containerPort: 5353, protocol: "UDP" },
          ],
        },
      ],
    },
    status: dual ? { podIP: ip, podIPs: [{ ip }, { ip: `fd00::${(q >> 16).toString(16)}:${(q & 0xffff).toString(16)}` }] } : { podIP: ip },
  };
}

/** Policy number `i` of the shape: its kind and namespace follow from `i`, the rest is drawn with `rand`. */
export function generatePolicy(shape: ClusterShape, i: number, rand: () => number): object {
  const pick = picker(rand);
  const ns = `ns-${i % shape.namespaces}`;
  const r = i % 10;
  if (r < 6) return k8sPolicy(i, ns, pick, rand);
  if (r < 9) return calicoPolicy(i, ns, pick);
  return globalPolicy(i, pick);
}

/** The labels pods draw from, for changes to them. */
export const podLabelValues: Readonly<Record<string, readonly string[]>> = { app: apps, tier: tiersOfApp, env: envs, version: ["v0", "v1", "v2", "v3", "v4"] };

/** The shape's PRNG, for drawing changes (a different seed than the cluster's). */
export function changeRng(seed: number): () => number {
  return rng(seed);
}

function k8sPolicy(i: number, ns: string, pick: <T>(xs: readonly T[]) => T, rand: () => number): object {
  const peers: object[] = [{ podSelector: { matchLabels: { tier: pick(tiersOfApp) } } }];
  if (i % 3 === 0) {
    peers.push({ namespaceSelector: { matchLabels: { team: pick(teams) } }, podSelector: { matchExpressions: [{ key: "env", operator: "In", values: ["prod", "staging"] }] } });
  }
  if (i % 5 === 0) peers.push({ ipBlock: { cidr: `172.${16 + (i % 16)}.0.0/16`, except: [`172.${16 + (i % 16)}.${i % 256}.0/24`] } });
  const ports = i % 2 === 0 ? [{ port: "http" }, { port: 9090 }] : [{ protocol: "TCP", port: 8000 + (i % 100), endPort: 8100 + (i % 100) }];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `knp-${i}`, namespace: ns },
    spec: {
      podSelector: { matchLabels: { app: pick(apps) } },
      policyTypes: rand() < 0.3 ? ["Ingress", "Egress"] : ["Ingress"],
      ingress: [{ from: peers, ports }],
      egress: [{ to: [{ namespaceSelector: {} }], ports: [{ protocol: "UDP", port: 53 }] }],
    },
  };
}

function calicoPolicy(i: number, ns: string, pick: <T>(xs: readonly T[]) => T): object {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "NetworkPolicy",
    metadata: { name: `np-${i}`, namespace: ns },
    spec: {
      order: 100 + (i % 50),
      selector: `app == "${pick(apps)}" && env in {"prod", "staging"}`,
      ingress: [
        { action: "Allow", protocol: "TCP", source: { selector: `tier == "${pick(tiersOfApp)}" && has(version)` }, destination: { ports: [8080, "9000:9100", "metrics"] } },
        { action: "Deny", source: { nets: [`192.168.${i % 256}.0/24`] } },
      ],
      egress: [{ action: "Allow", destination: { selector: `tier starts with "d"` } }],
    },
  };
}

function globalPolicy(i: number, pick: <T>(xs: readonly T[]) => T): object {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name: `gnp-${i}` },
    spec: {
      tier: i % 2 === 0 ? "security" : "platform",
      order: i,
      selector: `tier == "${pick(tiersOfApp)}"`,
      types: ["Ingress"],
      ingress: [
        { action: i % 4 === 1 ? "Pass" : "Deny", protocol: "TCP", source: { notSelector: `env == "prod"`, namespaceSelector: `team == "${pick(teams)}"` } },
        { action: "Allow", protocol: "ICMP", icmp: { type: 8 } },
      ],
    },
  };
}

/** The cluster as YAML text, one document per resource. */
export function generateYaml(shape: ClusterShape): string {
  return generateResources(shape)
    .map((doc) => dump(doc, { lineWidth: -1, noRefs: true }))
    .join("---\n");
}

/**
 * The cluster as `kubectl get ... -o json` prints it: one List of every resource, indented by
 * four spaces.
 */
export function generateJson(shape: ClusterShape): string {
  return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: generateResources(shape), metadata: { resourceVersion: "" } }, null, 4)}\n`;
}
