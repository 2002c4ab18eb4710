/**
 * Disagreements the differential fuzzer found, each reduced to a minimal case, with the side that
 * was wrong (decided from Calico's source) and how it was fixed.
 */
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow } from "../../src/semantics/index.js";
import { renderIptables } from "../../src/backends/iptables/index.js";
import { compileYaml, disagreements, irAllows } from "./differential.js";

function compiled(yaml: string): Exclude<ReturnType<typeof compileYaml>, string> {
  const c = compileYaml(yaml, "node-1");
  if (typeof c === "string") throw new Error(c);
  return c;
}

describe("fuzz regressions", () => {
  // Compiler bug: selectors ignored host endpoints, so an egress rule to `role == 'host'` never
  // matched the host's address. api/pkg/apis/projectcalico/v3/hostendpoint.go: selectors match a HostEndpoint by its
  // expectedIPs. Fixed in src/compiler/endpoints.ts (host endpoints are selector set members).
  it("a selector matches a host endpoint by its expected IPs", () => {
    const c = compiled(`
apiVersion: v1
kind: Pod
metadata: {name: p0, namespace: a, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0, labels: {role: host}}
spec: {node: node-1, expectedIPs: [10.0.9.1]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: to-host}
spec:
  selector: app == 'web'
  types: [Egress]
  egress: [{action: Allow, destination: {selector: role == 'host'}}]
---
# Felix drops workload -> host by default whatever egress policy says (DefaultEndpointToHostAction).
apiVersion: projectcalico.org/v3
kind: FelixConfiguration
metadata: {name: default}
spec: {defaultEndpointToHostAction: Accept}
`);
    const toHost: Flow = { family: 4, src: { endpoint: "a/p0" }, dst: { ip: "10.0.9.1" }, protocol: 6, srcPort: 40000, dstPort: 80 };
    const elsewhere: Flow = { ...toHost, dst: { ip: "10.0.9.2" } };
    expect(evaluateFlow(c.prepared, toHost).allowed).toBe(true);
    expect(irAllows(c, toHost)).toBe(true);
    expect(evaluateFlow(c.prepared, elsewhere).allowed).toBe(false);
    expect(irAllows(c, elsewhere)).toBe(false);
    expect(disagreements(c, [toHost, elsewhere])).toEqual([]);
  });

  // Compiler bug: a WorkloadEndpoint naming the built-in `projectcalico-default-allow` profile
  // got an empty profile chain (the compiler treated it as undefined), so its traffic fell to
  // "Drop if no profiles matched". libcalico-go/lib/resources/static.go `DefaultAllowProfile`:
  // every datastore serves it with one Allow rule each way. Fixed in src/compiler/profiles.ts
  // (`collectProfiles` starts with the built-in profile).
  it("the built-in projectcalico-default-allow profile allows", () => {
    const c = compiled(`
apiVersion: v1
kind: Pod
metadata: {name: p0, namespace: a}
spec: {nodeName: node-2}
status: {podIP: 10.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: wep1, namespace: a}
spec: {node: node-1, interfaceName: caliwep1, ipNetworks: [10.0.0.2/32], profiles: [projectcalico-default-allow]}
`);
    const flow: Flow = { family: 4, src: { endpoint: "a/p0" }, dst: { endpoint: "a/wep1" }, protocol: 6, srcPort: 40000, dstPort: 53 };
    expect(evaluateFlow(c.prepared, flow).allowed).toBe(true);
    expect(irAllows(c, flow)).toBe(true);
  });

  // Evaluator bug: it took `next-tier` (pass) in a v1 profile for allow; the compiled ruleset
  // set the pass mark and went on to the next profile, here none, so "Drop if no profiles
  // matched". Felix renders a profile's pass like a policy's and looks only at the accept mark
  // after a profile (felix/rules/policy.go `CombineMatchAndActionsForProtoRule`,
  // felix/rules/endpoints.go "Return if profile accepted"); nothing treats v1 profiles apart.
  // Fixed in src/semantics/evaluateFlow.ts (Pass ends any profile).
  it("next-tier in a v1 profile ends the profile, it does not allow", () => {
    const c = compiled(`
apiVersion: v1
kind: profile
metadata: {name: v1-b}
spec:
  egress: [{action: next-tier, ipVersion: 4}]
---
apiVersion: v1
kind: workloadEndpoint
metadata: {name: eth0, workload: w0, orchestrator: docker, node: node-1}
spec: {interfaceName: caliv1w0, ipNetworks: [10.0.0.1/32], profiles: [v1-b]}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a}
spec: {nodeName: node-2}
status: {podIP: 10.0.0.2}
`);
    const flow: Flow = { family: 4, src: { endpoint: "docker/w0/eth0" }, dst: { endpoint: "a/p1" }, protocol: 6, srcPort: 40000, dstPort: 53 };
    expect(evaluateFlow(c.prepared, flow).allowed).toBe(false);
    expect(irAllows(c, flow)).toBe(false);
  });

  // Evaluator bug: it read all() in a namespaced NetworkPolicy's serviceAccountSelector as "has
  // a service account", so the policy skipped a WorkloadEndpoint without one; the compiled
  // ruleset applied it. Only globalnetworkpolicyprocessor.go rewrites all() that way;
  // networkpolicyprocessor.go appends the prefixed selector as it is
  // (libcalico-go/lib/backend/syncersv1/updateprocessors). Fixed in
  // src/semantics/effectiveSelector.ts (`policySelector`).
  it("serviceAccountSelector all() in a NetworkPolicy selects endpoints without an account", () => {
    const c = compiled(`
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: wep0, namespace: b}
spec: {node: node-1, interfaceName: caliwep0, ipNetworks: [10.0.0.1/32]}
---
apiVersion: v1
kind: Pod
metadata: {name: p1, namespace: a}
spec: {nodeName: node-2}
status: {podIP: 10.0.0.2}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: b}
spec:
  serviceAccountSelector: all()
  egress: [{action: Allow}]
`);
    const flow: Flow = { family: 4, src: { endpoint: "b/wep0" }, dst: { endpoint: "a/p1" }, protocol: 6, srcPort: 40000, dstPort: 53 };
    expect(evaluateFlow(c.prepared, flow).allowed).toBe(true);
    expect(irAllows(c, flow)).toBe(true);
  });

  // Compiler bug, found by the kernel leg: a rule with both protocol and notProtocol lowered to
  // two protocol matches, which the interpreter accepts but the iptables backend (like
  // iptables: "multiple -p flags not allowed") refuses. The negation is implied by another
  // protocol and contradicts the same one; Calico's validator allows the pair
  // (libcalico-go/lib/validator/v3/validator.go `validateRule`). Fixed in
  // src/compiler/lowerRule.ts (notProtocol folded when a protocol is given).
  it("protocol with notProtocol renders one protocol match", () => {
    const c = compiled(`
apiVersion: v1
kind: Pod
metadata: {name: p0, namespace: a}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: web}
spec:
  egress:
  - {action: Deny, protocol: UDP, notProtocol: 17}
  - {action: Allow, protocol: TCP, notProtocol: UDP}
`);
    expect(() => renderIptables(c.ir)).not.toThrow();
    const tcp: Flow = { family: 4, src: { endpoint: "a/p0" }, dst: { ip: "192.168.1.7" }, protocol: 6, srcPort: 40000, dstPort: 80 };
    const udp: Flow = { ...tcp, protocol: 17 };
    expect(evaluateFlow(c.prepared, tcp).allowed).toBe(true);
    expect(evaluateFlow(c.prepared, udp).allowed).toBe(false);
    expect(disagreements(c, [tcp, udp])).toEqual([]);
  });

  // Evaluator bug: after a Pass in the last tier, it evaluated a profile's rules as if fresh;
  // the compiled ruleset returned from the profile at its first Pass rule even though that rule
  // did not match. felix/rules/policy.go `CombineMatchAndActionsForProtoRule` renders a Pass rule
  // as "match: set the pass mark" plus "pass mark set: return", and felix/rules/endpoints.go
  // clears the pass mark only at the start of each tier, so a mark set by the tiers reaches the
  // profiles. Fixed in src/semantics/evaluateFlow.ts (the pass mark); the compiler, already
  // Felix's layout, now also keeps the mark check of a rule that is rendered but can match
  // nothing (src/compiler/lowerRule.ts: a protocol number 1 in IPv6, which Felix renders, unlike
  // ICMP by name, which felix/calc/rule_convert.go confines to IPv4).
  describe("the pass mark of a tier's Pass reaches the profiles", () => {
    const cluster = (profileRule: string) =>
      compiled(`
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: pp}
spec:
  egress: [${profileRule}, {action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: wep0, namespace: a}
spec: {node: node-1, interfaceName: caliwep0, ipNetworks: [10.0.0.1/32, fd00::1/128], profiles: [pp]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: pass-all}
spec:
  egress: [{action: Pass}]
`);
    const tcp4: Flow = { family: 4, src: { endpoint: "a/wep0" }, dst: { ip: "192.168.1.7" }, protocol: 6, srcPort: 40000, dstPort: 80 };
    const tcp6: Flow = { ...tcp4, family: 6, dst: { ip: "2001:db8::1" } };

    it("an unmatched Pass rule in a profile ends it", () => {
      const c = cluster("{action: Pass, protocol: UDP}");
      expect(evaluateFlow(c.prepared, tcp4).allowed).toBe(false);
      expect(irAllows(c, tcp4)).toBe(false);
    });

    it("unless Felix does not render the rule in the packet's family", () => {
      const named = cluster("{action: Pass, protocol: ICMP}");
      expect(evaluateFlow(named.prepared, tcp6).allowed).toBe(true);
      expect(irAllows(named, tcp6)).toBe(true);
      const numbered = cluster("{action: Pass, protocol: 1}");
      expect(evaluateFlow(numbered.prepared, tcp6).allowed).toBe(false);
      expect(irAllows(numbered, tcp6)).toBe(false);
      expect(disagreements(numbered, [tcp4, tcp6])).toEqual([]);
    });
  });

  // Compiler bug: a hand-written Profile named like a namespace's profile (kns.<ns>) replaced the
  // one derived from the Namespace, while the evaluator kept the derived one. kube-controllers
  // writes kns./ksa. profiles from the Kubernetes objects and overwrites any other
  // (kube-controllers/pkg/controllers/namespace), so the derived one wins. Fixed in
  // src/compiler/profiles.ts.
  it("a namespace's own profile wins over a Profile of the same name", () => {
    const c = compiled(`
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p0, namespace: a}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: kns.a}
spec:
  ingress: [{action: Deny}]
  egress: [{action: Deny}]
`);
    const out: Flow = { family: 4, src: { endpoint: "a/p0" }, dst: { ip: "192.0.2.1" }, protocol: 6, srcPort: 40000, dstPort: 80 };
    expect(evaluateFlow(c.prepared, out).allowed).toBe(true);
    expect(irAllows(c, out)).toBe(true);
    expect(disagreements(c, [out])).toEqual([]);
  });
});
