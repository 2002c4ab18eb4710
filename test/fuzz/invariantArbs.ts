/**
 * Random invariants (policyc.dev/v1alpha1) over the fuzzer's vocabulary: tenants by the
 * namespaces' `team` label, peers by namespace and endpoint labels, ports around the bounds the
 * rules use. Documents as plain objects, to be loaded with the cluster.
 */
import fc from "fast-check";
import { APPS, ENVS } from "./vocabulary.js";
import { compact, optional } from "./vocabulary.js";

const namespaceSelectors = ["all()", "team == 'x'", "has(team)", "team != 'y'", "!has(team)"];
const endpointSelectors = [...APPS.map((a) => `app == '${a}'`), ...ENVS.map((e) => `env == '${e}'`), "app in {'db', 'api'}", "all()", "!has(app)"];

const peerArb = fc
  .record({ namespaceSelector: optional(fc.constantFrom(...namespaceSelectors)), selector: optional(fc.constantFrom(...endpointSelectors)) })
  .map((p) => compact(p));

/** Ports: single ones at the rules' bounds, ranges across them, and whole protocols. */
export const INVARIANT_PORTS = [
  { protocol: "TCP" },
  { protocol: "UDP", port: 53 },
  { protocol: "TCP", port: 80, endPort: 90 },
  { protocol: "SCTP", port: 8080 },
  { port: 443 },
  { protocol: "UDP" },
  { protocol: "TCP", port: 8000, endPort: 9000 },
] as const;

const portsArb = fc.subarray([...INVARIANT_PORTS], { minLength: 1, maxLength: 3 });

const doc = (kind: string, name: string, spec: object): object => ({ apiVersion: "policyc.dev/v1alpha1", kind, metadata: { name }, spec });

export const invariantArb: fc.Arbitrary<object> = fc.oneof(
  fc
    .array(fc.record({ from: optional(peerArb), to: optional(peerArb), ports: optional(portsArb) }).map((d) => compact(d)), { maxLength: 2 })
    .map((except) => doc("IsolationInvariant", "iso", { tenantLabel: "team", deny: "cross-tenant", ...(except.length > 0 ? { except } : {}) })),
  fc.record({ from: peerArb, to: peerArb, ports: optional(portsArb) }).map((s) => doc("NeverReachInvariant", "never", compact(s))),
  fc.record({ to: peerArb, ports: portsArb, only: fc.array(peerArb, { maxLength: 2 }) }).map((s) => doc("OnlyReachInvariant", "only", s)),
  fc
    .record({ namespaceSelector: optional(fc.constantFrom(...namespaceSelectors)), selector: optional(fc.constantFrom(...endpointSelectors)), direction: fc.constantFrom("Ingress", "Egress") })
    .map((s) => doc("DefaultDenyInvariant", "deny", compact(s))),
);
