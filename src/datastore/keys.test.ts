/** Resource keys read back as they are written. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_PREFIX, isNamespacedKind, parseResourceKey, resourceKey, resourcesPrefix } from "./keys.js";

/** parseResourceKey as first written, by splitting the key into parts: the reference. */
function bySplitting(key: string, prefix: string): ReturnType<typeof parseResourceKey> {
  const base = resourcesPrefix(prefix);
  if (!key.startsWith(base)) return undefined;
  const parts = key.slice(base.length).split("/");
  const kind = (["NetworkPolicy", "GlobalNetworkPolicy", "WorkloadEndpoint", "Tier"] as const).find((k) => resourceKey(k, "x", "y", prefix).slice(base.length).split("/")[0] === parts[0]);
  if (!kind) return undefined;
  const unescape = (s: string): string => (s.includes("%") ? s.replace(/%2f/gi, "/").replace(/%25/g, "%") : s);
  if (isNamespacedKind(kind)) return parts.length === 3 && parts[1] && parts[2] ? { kind, namespace: unescape(parts[1]), name: unescape(parts[2]) } : undefined;
  return parts.length === 2 && parts[1] ? { kind, name: unescape(parts[1]) } : undefined;
}

describe("parseResourceKey", () => {
  it("reads every key as splitting it into parts does (property)", () => {
    const prefix = fc.constantFrom(DEFAULT_PREFIX, "/calico/", "/other");
    const plural = fc.constantFrom("networkpolicies", "globalnetworkpolicies", "workloadendpoints", "tiers", "pods", "");
    const part = fc.stringMatching(/^[a-z0-9%2fF5.-]{0,4}$/);
    const key = fc.tuple(prefix, plural, fc.array(part, { maxLength: 4 }), fc.boolean()).map(([p, pl, parts, other]) => [p, `${other ? "/else/" : resourcesPrefix(p)}${[pl, ...parts].join("/")}`] as const);
    fc.assert(
      fc.property(key, ([p, k]) => {
        expect(parseResourceKey(k, p)).toEqual(bySplitting(k, p));
      }),
      { numRuns: 3000 },
    );
  });

  it("reads back the key of a resource, in either prefix", () => {
    expect(parseResourceKey(resourceKey("WorkloadEndpoint", "n-k8s-p-eth0", "ns", "/calico"), "/calico")).toEqual({ kind: "WorkloadEndpoint", namespace: "ns", name: "n-k8s-p-eth0" });
    expect(parseResourceKey(resourceKey("Tier", "security", undefined, "/x"), "/x")).toEqual({ kind: "Tier", name: "security" });
    expect(parseResourceKey(resourceKey("Tier", "security", undefined, "/x"), "/calico")).toBeUndefined();
  });
});
