import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateResources } from "../../../bench/generateCluster.js";
import { podArb, serviceAccountsArb, wepArb } from "../../../test/fuzz/endpointArbs.js";
import { clusterArb } from "../../../test/fuzz/randomCluster.js";
import { rng } from "../../../test/helpers/yamlForms.js";
import { hasOddity } from "../load/eventsToPlain.js";
import { schemaCheck } from "./schemaCheck.js";
import { goDecode } from "./goDecode.js";
import { compiledKinds } from "./kinds.js";

/** Leaves a check must get right: near misses of every field type. */
const leaves: readonly unknown[] = [80, 0, -1, 1.5, 2 ** 53, -0, Infinity, "80", "tcp", "TCP", "UDP", "SCTP", "", "x", true, false, [], {}, ["x"], [80], { a: "b" }, { a: 1 }];

/** A copy of `value` with some leaves and keys replaced, dropped or added. */
function damage(value: unknown, rand: () => number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  if (Array.isArray(value)) return value.map((v) => damage(v, rand)).concat(rand() < 0.05 ? [pick(leaves)] : []);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (rand() < 0.03) continue;
      out[k] = rand() < 0.08 ? pick(leaves) : damage(v, rand);
    }
    if (rand() < 0.05) out[pick(["extra", "name", "ports", "spec", "status", "containerPort", "hostPort", "ipNATs"])] = pick(leaves);
    return out;
  }
  return rand() < 0.08 ? pick(leaves) : value;
}

const endpointSlice = {
  apiVersion: "discovery.k8s.io/v1",
  kind: "EndpointSlice",
  metadata: { name: "web-1", namespace: "a", labels: { "kubernetes.io/service-name": "web" } },
  addressType: "IPv4",
  endpoints: [{ addresses: ["10.0.0.1"], conditions: { ready: true } }],
  ports: [{ name: "http", port: 80, protocol: "TCP" }],
};

const documents = fc.oneof(
  podArb(0).map((e) => e.resource),
  wepArb(1).map((e) => e.resource),
  serviceAccountsArb.filter((s) => s.length > 0).map((s) => s[0]!),
  fc.constantFrom(endpointSlice, ...generateResources({ name: "t", namespaces: 2, pods: 4, localPods: 1, policies: 12 })),
  clusterArb().chain((c) => fc.constantFrom(...c.resources)),
);

describe("schema checks", () => {
  it("accept only what goDecode leaves alone and zod accepts unchanged, for every kind (property)", () => {
    const handlers = compiledKinds();
    const accepted = new Map<string, number>();
    fc.assert(
      fc.property(documents, fc.integer(), fc.boolean(), (doc, seed, whole) => {
        const value = whole ? doc : damage(doc, rng(seed));
        if (hasOddity(value)) return;
        for (const { handler } of handlers) {
          if (!schemaCheck(handler.schema)(value)) continue;
          const kind = (value as { kind?: unknown }).kind;
          if (typeof kind === "string") accepted.set(kind, (accepted.get(kind) ?? 0) + 1);
          expect(goDecode(handler.schema, value, { numbersToStrings: handler.reader === "calicoctl" })).toBe(value);
          const parsed = handler.schema.safeParse(value);
          expect(parsed.success).toBe(true);
          expect(parsed.data).toEqual(value);
        }
      }),
      { numRuns: 4000, seed: 42 },
    );
    // Every kind a big cluster is made of takes the fast path when it is well formed.
    for (const kind of ["Pod", "Namespace", "ServiceAccount", "EndpointSlice", "WorkloadEndpoint", "NetworkPolicy", "GlobalNetworkPolicy", "Tier", "HostEndpoint"]) {
      expect(accepted.get(kind) ?? 0, kind).toBeGreaterThan(20);
    }
  });
});
