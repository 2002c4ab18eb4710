/**
 * An example of every diagnostic code, for `policyc codes` and docs/codes.md: a small input that
 * triggers it (checked by test/cli/codes.test.ts: `lint`, or `compile` for the compile stage's
 * codes, reports the code on it), or, for codes no input file triggers, what does.
 */
import type { DiagnosticCode } from "../diagnostics/codes.js";

export type CodeExample =
  /** YAML that `lint` (stage "lint") or `compile --node node-1` (stage "compile") reports the code on. */
  | { readonly stage: "lint" | "compile"; readonly yaml: string }
  /** No input triggers it; what does. */
  | { readonly stage: "none"; readonly how: string };

const pod = (name: string, ip: string, extra = ""): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: shop${extra}}\nspec: {nodeName: node-1}\nstatus: {podIP: ${ip}}\n`;
const gnp = (spec: string): string => `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec:\n${spec}\n`;
const cnp = (spec: string, name = "p"): string =>
  `apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}\n`;
const rule = (r: string): string => gnp(`  selector: all()\n  ingress:\n  - ${r}`);

export const codeExamples: Readonly<Record<DiagnosticCode, CodeExample>> = {
  "file-unreadable": { stage: "none", how: "a PATH on the command line that does not exist or cannot be read" },
  "skipped-file": { stage: "none", how: "a Chart.yaml, values.yaml or unrendered template found while walking a directory" },
  "yaml-syntax": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: 'a}\n" },
  "yaml-duplicate-key": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nkind: Namespace\nmetadata: {name: a}\n" },
  "yaml-merge-override": {
    stage: "lint",
    yaml: "apiVersion: v1\nkind: List\nitems:\n- &ns {apiVersion: v1, kind: Namespace, metadata: {name: a}}\n- apiVersion: v1\n  kind: Namespace\n  metadata: {name: b}\n  <<: *ns\n",
  },
  "document-not-object": { stage: "lint", yaml: "- just\n- a list\n" },
  "missing-kind": { stage: "lint", yaml: "apiVersion: v1\nmetadata: {name: a}\n" },
  "unknown-kind": { stage: "lint", yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n" },
  "uncompiled-policy-kind": { stage: "lint", yaml: "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x, namespace: a}\n" },
  "staged-policy": { stage: "lint", yaml: "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: x, namespace: a}\n" },
  "invariant-not-compiled": {
    stage: "lint",
    yaml: "apiVersion: policyc.dev/v1alpha1\nkind: IsolationInvariant\nmetadata: {name: tenants-stay-apart}\nspec: {tenantLabel: tenant, deny: cross-tenant}\n",
  },
  "invalid-type": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {canary: yes}}\n" },
  "invalid-value": { stage: "lint", yaml: "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.0.0.0/16, blockSize: 8}\n" },
  "missing-field": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {}\n" },
  "unknown-field": { stage: "lint", yaml: gnp("  selector: all()\n  priority: 5") },
  "invalid-name": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: Shop}\n" },
  "invalid-label": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {'bad key!': x}}\n" },
  "duplicate-resource": { stage: "lint", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" },
  "selector-syntax": { stage: "lint", yaml: gnp("  selector: app = 'web'") },
  "selector-global": { stage: "lint", yaml: gnp("  selector: global()") },
  "invalid-protocol": { stage: "lint", yaml: rule("{action: Allow, protocol: tcp}") },
  "ports-need-protocol": { stage: "lint", yaml: rule("{action: Allow, destination: {ports: [80]}}") },
  "invalid-port": { stage: "lint", yaml: rule("{action: Allow, protocol: TCP, destination: {ports: [70000]}}") },
  "icmp-needs-protocol": { stage: "lint", yaml: rule("{action: Allow, icmp: {type: 8}}") },
  "icmp-version-mismatch": { stage: "lint", yaml: rule("{action: Allow, protocol: ICMP, ipVersion: 6}") },
  "invalid-icmp": { stage: "lint", yaml: rule("{action: Allow, protocol: ICMP, icmp: {code: 0}}") },
  "invalid-cidr": { stage: "lint", yaml: rule("{action: Allow, source: {nets: [10.0.0.0/33]}}") },
  "cidr-host-bits": { stage: "lint", yaml: rule("{action: Allow, source: {nets: [10.0.0.1/8]}}") },
  "invalid-service-match": { stage: "lint", yaml: rule("{action: Allow, destination: {services: {name: s, namespace: a}}}") },
  "invalid-http-match": { stage: "lint", yaml: rule("{action: Deny, http: {methods: [GET]}}") },
  "http-match": { stage: "lint", yaml: rule("{action: Allow, http: {methods: [GET]}}") },
  "mixed-ip-families": { stage: "lint", yaml: rule("{action: Allow, source: {nets: [10.0.0.0/8, 'fd00::/8']}}") },
  "catch-all-not-net": { stage: "lint", yaml: rule("{action: Allow, source: {notNets: [0.0.0.0/0]}}") },
  "invalid-action": { stage: "lint", yaml: rule("{action: Accept}") },
  "invalid-policy-types": { stage: "lint", yaml: gnp("  selector: all()\n  types: [Ingress, Ingress]") },
  "cluster-policy-fail-closed": {
    stage: "lint",
    yaml: cnp("  tier: Admin\n  priority: 10\n  subject: {namespaces: {}}\n  egress:\n  - {action: Deny, to: [{nodes: {}}]}"),
  },
  "cluster-policy-named-port": {
    stage: "lint",
    yaml:
      "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n  ingress:\n  - {action: Deny, from: [{namespaces: {}}], ports: [{namedPort: http}]}\n",
  },
  "cluster-policy-mixed-releases": {
    stage: "lint",
    yaml: `${cnp("  tier: Admin\n  priority: 10\n  subject: {namespaces: {}}")}---\napiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\nspec:\n  priority: 10\n  subject: {namespaces: {}}\n`,
  },
  "cluster-policy-priority-tie": {
    stage: "lint",
    yaml: `${cnp("  tier: Admin\n  priority: 10\n  subject: {namespaces: {}}")}---\n${cnp("  tier: Admin\n  priority: 10\n  subject: {namespaces: {}}", "q")}`,
  },
  "unknown-tier": { stage: "lint", yaml: gnp("  tier: security\n  selector: all()") },
  "invalid-tag": { stage: "lint", yaml: "apiVersion: v1\nkind: profile\nmetadata: {name: p, tags: ['a b']}\n" },
  "conflicting-options": { stage: "lint", yaml: gnp("  selector: all()\n  preDNAT: true\n  doNotTrack: true\n  applyOnForward: true") },
  "unsupported-field": { stage: "none", how: "no longer reported: HTTP matches and service matches are compiled now" },
  unsupported: { stage: "lint", yaml: "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {bpfEnabled: true}\n" },
  "impossible-selector": {
    stage: "lint",
    yaml: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector:\n    matchExpressions:\n    - {key: app, operator: In, values: [web]}\n    - {key: app, operator: NotIn, values: [web]}\n",
  },
  "allow-after-deny-all": { stage: "lint", yaml: gnp("  selector: all()\n  ingress:\n  - {action: Deny}\n  - {action: Allow, protocol: TCP}") },
  "shadowed-rule": { stage: "lint", yaml: gnp("  selector: all()\n  ingress:\n  - {action: Allow, protocol: TCP}\n  - {action: Deny, protocol: TCP, destination: {ports: [80]}}") },
  "shadowed-rule-in-input": {
    stage: "lint",
    yaml: `${pod("web", "10.0.0.1", ", labels: {app: web, tier: front}")}---\n${gnp("  selector: all()\n  ingress:\n  - {action: Allow, source: {selector: app == 'web'}}\n  - {action: Deny, source: {selector: tier == 'front'}}")}`,
  },
  "policy-selects-nothing": {
    stage: "lint",
    yaml: `${pod("web", "10.0.0.1", ", labels: {app: web}")}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: wbe}}\n`,
  },
  "selector-matches-nothing": { stage: "lint", yaml: `${pod("web", "10.0.0.1", ", labels: {app: web}")}---\n${gnp("  selector: all()\n  ingress:\n  - {action: Allow, source: {selector: app == 'wbe'}}")}` },
  "lint-checks-skipped": { stage: "none", how: "`policyc lint` on an input with more than 50,000 endpoints (without --deep), or `lint --deep` on one too large for the redundancy check" },
  "redundant-rule": { stage: "none", how: "`policyc lint --deep` on a rule whose removal changes no verdict, e.g. an Allow from pods that a later rule of the same policy allows too" },
  "redundant-policy": { stage: "none", how: "`policyc lint --deep` on a policy whose removal changes no verdict, e.g. a copy of another policy under another name" },
  "unresolved-named-port": { stage: "compile", yaml: `${pod("web", "10.0.0.1")}---\n${rule("{action: Allow, protocol: TCP, destination: {ports: [http]}}")}` },
  "no-local-endpoints": { stage: "compile", yaml: "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" },
  "duplicate-endpoint-ip": { stage: "lint", yaml: `${pod("a", "10.0.0.1")}---\n${pod("b", "10.0.0.1")}` },
  "unmatched-service": { stage: "compile", yaml: `${pod("web", "10.0.0.1")}---\n${gnp("  selector: all()\n  egress:\n  - {action: Allow, destination: {services: {name: s, namespace: shop}}}")}` },
  "key-mismatch": { stage: "none", how: "`policyc agent` reading an etcd value whose metadata.name is not its key's name" },
  "audit-only-workload": { stage: "compile", yaml: "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n" },
  "not-stored": { stage: "none", how: "`policyc datastore apply` of an EndpointSlice or a calicoctl v1 resource" },
  "internal-error": { stage: "none", how: "a bug in policyc: please report it with the input" },
  usage: { stage: "none", how: "a bad command line, e.g. an unknown flag or `policyc apply` without --node" },
};
