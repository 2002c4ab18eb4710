import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { comparePolicyOrder, compareTierOrder, policyTieKey, type PolicyOrderKey } from "./policyOrder.js";
import { definedTier, undefinedTier } from "./tiers.js";

const sorted = (keys: PolicyOrderKey[]): string[] => [...keys].sort(comparePolicyOrder).map(policyTieKey);

// Expectations follow felix/calc/policy_sorter.go `PolKVLess`: order first (absent = +Inf), then
// the string "<name>/<namespace>/<kind>" compared as Go compares strings.
describe("Felix's policy order", () => {
  it("breaks ties on name/namespace/kind as one string: web-allow sorts before web", () => {
    expect(sorted([
      { name: "web", namespace: "ns", kind: "NetworkPolicy", order: 10 },
      { name: "web-allow", namespace: "ns", kind: "NetworkPolicy", order: 10 },
    ])).toEqual(["web-allow/ns/NetworkPolicy", "web/ns/NetworkPolicy"]);
  });

  it("keeps a Kubernetes policy's own name and spells kinds as Calico does", () => {
    expect(sorted([
      { name: "b", namespace: "ns", kind: "NetworkPolicy", order: 1000 },
      { name: "aaa", namespace: "ns", kind: "KubernetesNetworkPolicy", order: 1000 },
      { name: "dup", namespace: "ns", kind: "NetworkPolicy", order: 1000 },
      { name: "dup", namespace: "ns", kind: "KubernetesNetworkPolicy", order: 1000 },
    ])).toEqual([
      "aaa/ns/KubernetesNetworkPolicy",
      "b/ns/NetworkPolicy",
      "dup/ns/KubernetesNetworkPolicy",
      "dup/ns/NetworkPolicy",
    ]);
  });

  it("gives a global policy an empty namespace", () => {
    expect(sorted([
      { name: "gx", namespace: "ot", kind: "NetworkPolicy", order: 5 },
      { name: "gx", kind: "GlobalNetworkPolicy", order: 5 },
    ])).toEqual(["gx//GlobalNetworkPolicy", "gx/ot/NetworkPolicy"]);
  });

  it("puts a missing order last, and orders numbers numerically", () => {
    expect(sorted([
      { name: "none", kind: "GlobalNetworkPolicy" },
      { name: "z", kind: "GlobalNetworkPolicy", order: 1e6 },
      { name: "y", kind: "GlobalNetworkPolicy", order: -1 },
      { name: "x", kind: "GlobalNetworkPolicy", order: 9.5 },
    ])).toEqual(["y//GlobalNetworkPolicy", "x//GlobalNetworkPolicy", "z//GlobalNetworkPolicy", "none//GlobalNetworkPolicy"]);
  });

  it("is a total order consistent with the tie key", () => {
    const key = fc.record(
      {
        name: fc.stringMatching(/^[a-z][a-z.-]{0,6}$/),
        namespace: fc.constantFrom(undefined, "a", "a-b", "b"),
        kind: fc.constantFrom("NetworkPolicy", "GlobalNetworkPolicy", "KubernetesNetworkPolicy"),
        order: fc.constantFrom(undefined, 0, 1, 1000),
      },
      { requiredKeys: ["name", "kind"] },
    ) as fc.Arbitrary<PolicyOrderKey>;
    fc.assert(
      fc.property(key, key, key, (a, b, c) => {
        const ab = comparePolicyOrder(a, b);
        expect(Math.sign(ab)).toBe(-Math.sign(comparePolicyOrder(b, a)));
        if (ab <= 0 && comparePolicyOrder(b, c) <= 0) expect(comparePolicyOrder(a, c)).toBeLessThanOrEqual(0);
        if ((a.order ?? Infinity) === (b.order ?? Infinity)) {
          expect(Math.sign(ab)).toBe(Math.sign(policyTieKey(a) < policyTieKey(b) ? -1 : policyTieKey(a) > policyTieKey(b) ? 1 : 0));
        }
      }),
    );
  });
});

// felix/calc/policy_sorter.go `TierLess`: valid (defined) tiers first, then order, then name.
describe("Felix's tier order", () => {
  it("orders defined tiers by order (absent last) then name, and undefined tiers after all of them", () => {
    const tiers = [undefinedTier("aaa"), definedTier("late", undefined, "Deny"), definedTier("default", undefined, "Deny"), definedTier("first", 100, "Pass"), definedTier("b", 100, "Deny")];
    expect([...tiers].sort(compareTierOrder).map((t) => t.name)).toEqual(["b", "first", "default", "late", "aaa"]);
  });

  it("fills in the reserved tiers' orders", () => {
    expect(definedTier("default", undefined, "Deny").order).toBe(1_000_000);
    expect(definedTier("kube-admin", undefined, "Pass").order).toBe(1000);
    expect(definedTier("kube-baseline", undefined, "Pass").order).toBe(10_000_000);
    expect(definedTier("mine", undefined, "Pass").order).toBeUndefined();
  });
});
