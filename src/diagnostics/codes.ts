/**
 * Every diagnostic code policyc can emit, in one place. Codes are stable: tools and users match on
 * them (`--strict`, JSON output), so a code is never renamed or reused for another meaning.
 * The value is a one-line summary used in documentation.
 */
export const diagnosticCodes = {
  // Input files and YAML (load stage).
  "file-unreadable": "a path given on the command line cannot be read",
  "skipped-file": "a file found in a directory is not a Kubernetes resource (a template, Chart.yaml, values.yaml) and was skipped (note)",
  "yaml-syntax": "the YAML (or JSON) text does not parse",
  "yaml-duplicate-key": "a mapping has the same key twice",
  "yaml-merge-override": "a merge key (<<) replaces a key written before it, as Kubernetes reads it (warning)",
  "document-not-object": "a document, or an item of a top-level sequence, is not a mapping",
  "missing-kind": "a document has no apiVersion or kind",
  "unknown-kind": "documents of a kind that has nothing to do with policy were skipped (note, one per kind)",
  "uncompiled-policy-kind":
    "a kind that enforces policy in some cluster (CiliumNetworkPolicy, Antrea's policies, ...) is not compiled (error for compile and apply, warning for lint)",
  "staged-policy": "a Calico staged policy: Felix only reports what it would do, nothing is enforced (note)",
  "invariant-not-compiled": "invariants (policyc.dev/v1alpha1) are read and validated by every command; only policyc verify checks them, nothing compiles them (note, one per kind)",
  // Structure (schema stage).
  "invalid-type": "a field has the wrong type",
  "invalid-value": "a field has a value outside its allowed set or range",
  "missing-field": "a required field is absent",
  "unknown-field": "a field is not part of the resource's schema (warning)",
  // Names and labels.
  "invalid-name": "a resource name does not have the required format",
  "invalid-label": "a label key or value is not valid",
  "duplicate-resource": "two documents define the same resource",
  // Selectors.
  "selector-syntax": "a selector does not parse",
  "selector-global": "global() used where Calico does not allow it",
  // Rules.
  "invalid-protocol": "a protocol name or number is not valid",
  "ports-need-protocol": "ports or notPorts given without a TCP, UDP or SCTP protocol",
  "invalid-port": "a port, port range or port name is not valid",
  "icmp-needs-protocol": "icmp or notICMP given without protocol ICMP or ICMPv6",
  "icmp-version-mismatch": "the ICMP protocol does not match the rule's ipVersion",
  "invalid-icmp": "an ICMP type or code is out of range, or a code without a type",
  "invalid-cidr": "a CIDR or IP address is not valid",
  "cidr-host-bits": "a CIDR has host bits set: masked, with a warning, in rules; an error for an IPPool",
  "invalid-service-match": "a rule's services match is placed or combined where Calico does not allow it",
  "invalid-http-match": "an HTTP match where Calico does not allow it (egress, not Allow, not TCP)",
  "http-match": "an HTTP match, which Felix leaves to application-layer policy: the rule is compiled without it (note)",
  "mixed-ip-families": "a rule mixes IPv4 and IPv6 addresses, or they contradict ipVersion",
  "catch-all-not-net": "notNets contains 0.0.0.0/0 or ::/0, which matches nothing",
  "invalid-action": "a rule action is not one of the allowed actions",
  "invalid-policy-types": "policy types are duplicated or contradict the policy's rules",
  "unknown-tier": "a policy names a tier that is not defined (warning)",
  "cluster-policy-fail-closed":
    "a cluster-scoped policy rule has a peer Calico does not convert (nodes, domainNames): Calico fails it closed, Deny and Pass rules deny everything and Accept rules are left out (warning)",
  "cluster-policy-named-port":
    "an AdminNetworkPolicy or BaselineAdminNetworkPolicy rule has a namedPort, which Calico v3.31 ignores: the rule matches every protocol and port (warning)",
  "cluster-policy-mixed-releases":
    "ClusterNetworkPolicy beside AdminNetworkPolicy or BaselineAdminNetworkPolicy: no Calico release reads both kinds, policyc compiles both (warning)",
  "cluster-policy-priority-tie":
    "two cluster-scoped policies of one tier share a priority: the API leaves their order open, Calico orders them by name (warning)",
  "invalid-tag": "a v1 tag does not have the required format",
  "conflicting-options": "fields that exclude each other are both set",
  "unsupported-field": "no longer emitted (HTTP matches are compiled as Felix compiles them, service matches are compiled)",
  unsupported:
    "a field or kind that Felix acts on and policyc does not compile yet (host endpoints bound by expectedIPs alone, FelixConfiguration fields beyond the ruleset's, BGPConfiguration); warning, error with --strict",
  // Deep lint: what the policies mean (policyc lint; warnings and notes, silenceable per code).
  "impossible-selector": "a selector whose clauses contradict each other on one label (In and NotIn the same value, In and DoesNotExist, ...), so it never matches (warning)",
  "allow-after-deny-all": "an Allow rule after a Deny rule with no match criteria in the same policy and direction: the Deny decides every packet first (warning)",
  "shadowed-rule": "a rule that never decides: an earlier rule, or a policy evaluated before it, decides every packet it matches, for any endpoints (warning)",
  "shadowed-rule-in-input": "a rule that never decides for the endpoints of the input: an earlier rule or policy decides every packet it matches between them (note)",
  "policy-selects-nothing": "a policy applies to no endpoint of the input (warning; the input may be partial)",
  "selector-matches-nothing": "a rule's selector, peer or namespaceSelector matches no endpoint, network set or Namespace of the input (warning; the input may be partial)",
  "redundant-rule": "lint --deep: removing the rule changes no verdict between the input's endpoints, and it matches no other address (note)",
  "lint-checks-skipped":
    "lint left out checks too costly for an input this large: those that read the endpoints above 50,000 endpoints (--deep runs them), the redundancy check above its budget (note)",
  "redundant-policy": "lint --deep: removing the policy changes no verdict between the input's endpoints, and it matches no other address (note)",
  // Compilation.
  "unresolved-named-port": "a named port resolves on no endpoint (warning)",
  "no-local-endpoints": "the node has no local endpoints (warning)",
  "duplicate-endpoint-ip": "two live endpoints claim the same address (warning)",
  "key-mismatch":
    "an etcd value names another resource (kind, namespace or name) than its key; the key's is used, as Felix keys resources by their etcd key (warning)",
  "not-stored": "policyc datastore apply leaves a resource out of etcd, which Calico's etcd mode does not read (note)",
  "unmatched-service": "a rule's services match names a service with no EndpointSlice in the input (note)",
  "audit-only-workload":
    "workloads (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) are endpoints for explain, matrix, diff and verify; compile and apply program the pods that run (note, one per kind)",
  "internal-error": "a bug in policyc; please report it",
  // Command line.
  "usage": "the command line is not valid",
} as const;

/** A stable diagnostic code. */
export type DiagnosticCode = keyof typeof diagnosticCodes;
