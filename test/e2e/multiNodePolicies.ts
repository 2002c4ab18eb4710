/**
 * The policies the multi-node suites write into etcd, as a person would write them (Kubernetes
 * and Calico YAML, here as objects). Each suite's verdict tables say by hand what they mean.
 */
import type { Doc } from "./multiNode.js";

/** shop/db accepts TCP 8080 from pods labelled app=api in its own namespace, nothing else. */
export const DB_FROM_API: Doc = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "db-from-api", namespace: "shop" },
  spec: {
    podSelector: { matchLabels: { app: "db" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { app: "api" } } }], ports: [{ protocol: "TCP", port: 8080 }] }],
  },
};

/** lab/tool may open TCP 80 to app=web pods of namespaces labelled team=shop, and UDP 53 anywhere. */
export const TOOL_EGRESS: Doc = {
  apiVersion: "projectcalico.org/v3",
  kind: "NetworkPolicy",
  metadata: { name: "tool-egress", namespace: "lab" },
  spec: {
    selector: "app == 'tool'",
    types: ["Egress"],
    egress: [
      { action: "Allow", protocol: "TCP", destination: { namespaceSelector: "team == 'shop'", selector: "app == 'web'", ports: [80] } },
      { action: "Allow", protocol: "UDP", destination: { ports: [53] } },
    ],
  },
};

/** shop/web accepts anything from namespaces labelled trusted=yes, nothing else. */
export const WEB_FROM_TRUSTED: Doc = {
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "web-from-trusted", namespace: "shop" },
  spec: {
    podSelector: { matchLabels: { app: "web" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { trusted: "yes" } } }] }],
  },
};

/** Every pod of namespaces labelled team=lab may not open TCP `port`; everything else it may. */
export function labGuard(port: number): Doc {
  return {
    apiVersion: "projectcalico.org/v3",
    kind: "GlobalNetworkPolicy",
    metadata: { name: "lab-guard" },
    spec: {
      namespaceSelector: "team == 'lab'",
      selector: "all()",
      types: ["Egress"],
      egress: [{ action: "Deny", protocol: "TCP", destination: { ports: [port] } }, { action: "Allow" }],
    },
  };
}

/** shop/db also accepts TCP 80 from app=cache pods. */
export const DB_FROM_CACHE_80: Doc = {
  apiVersion: "projectcalico.org/v3",
  kind: "NetworkPolicy",
  metadata: { name: "db-from-cache", namespace: "shop" },
  spec: {
    selector: "app == 'db'",
    types: ["Ingress"],
    ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'cache'" }, destination: { ports: [80] } }],
  },
};

/**
 * A large change for node-2: `sets` GlobalNetworkSets of 100 addresses each (labelled bulk=yes),
 * and `policies` Calico policies on shop/db that deny TCP from one of them (`global()`: a
 * namespaced policy's selector sees global sets only so) to a port of their own (they
 * change no probe's verdict, only the size of the ruleset), then `db-from-cache-8080`, written
 * last, which lets app=cache pods reach shop/db on TCP 8080 (a verdict the probes see).
 */
export function bulkChange(sets: number, policies: number): Doc[] {
  const docs: Doc[] = [];
  for (let s = 0; s < sets; s++) {
    const nets = Array.from({ length: 100 }, (_, i) => `172.${16 + (s % 16)}.${Math.floor(s / 16) * 2 + Math.floor(i / 250)}.${(i % 250) + 1}/32`);
    docs.push({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name: `bulk-${s}`, labels: { bulk: "yes", set: String(s) } }, spec: { nets } });
  }
  for (let p = 0; p < policies; p++) {
    docs.push({
      apiVersion: "projectcalico.org/v3",
      kind: "NetworkPolicy",
      metadata: { name: `bulk-${p}`, namespace: "shop" },
      spec: {
        selector: "app == 'db'",
        order: 100 + p,
        types: ["Ingress"],
        ingress: [
          { action: "Deny", protocol: "TCP", source: { namespaceSelector: "global()", selector: `bulk == 'yes' && set == '${p % Math.max(sets, 1)}'` }, destination: { ports: [10_000 + p] } },
          { action: "Deny", protocol: "UDP", source: { nets: [`198.51.100.${p % 250}/32`] }, destination: { ports: [20_000 + p] } },
        ],
      },
    });
  }
  docs.push({
    apiVersion: "projectcalico.org/v3",
    kind: "NetworkPolicy",
    metadata: { name: "db-from-cache-8080", namespace: "shop" },
    spec: { selector: "app == 'db'", order: 500, types: ["Ingress"], ingress: [{ action: "Allow", protocol: "TCP", source: { selector: "app == 'cache'" }, destination: { ports: [8080] } }] },
  });
  return docs;
}
