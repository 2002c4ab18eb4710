/**
 * Every diagnostic code policyc can emit, in one place. Codes are stable: tools and users match on
 * them (`--strict`, JSON output), so a code is never renamed or reused for another meaning.
 * The value is a one-line summary used in documentation.
 */
export const diagnosticCodes = {
  // Input files and YAML (load stage).
  "file-unreadable": "a path given on the command line cannot be read",
  "yaml-syntax": "the YAML (or JSON) text does not parse",
  "yaml-duplicate-key": "a mapping has the same key twice",
  "yaml-merge-override": "a merge key (<<) replaces a key written before it, as Kubernetes reads it (warning)",
  "document-not-object": "a document, or an item of a top-level sequence, is not a mapping",
  "missing-kind": "a document has no apiVersion or kind",
  "unknown-kind": "a document's apiVersion/kind is not one policyc compiles (warning)",
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
  "cidr-host-bits": "a CIDR has host bits set and was masked (warning)",
  "mixed-ip-families": "a rule mixes IPv4 and IPv6 addresses, or they contradict ipVersion",
  "catch-all-not-net": "notNets contains 0.0.0.0/0 or ::/0, which matches nothing",
  "invalid-action": "a rule action is not one of the allowed actions",
  "invalid-policy-types": "policy types are duplicated or contradict the policy's rules",
  "unknown-tier": "a policy names a tier that is not defined (warning)",
  "invalid-tag": "a v1 tag does not have the required format",
  "conflicting-options": "fields that exclude each other are both set",
  "unsupported-field": "a valid Calico field policyc cannot compile (HTTP matches, service matches)",
  // Compilation.
  "unresolved-named-port": "a named port resolves on no endpoint (warning)",
  "no-local-endpoints": "the node has no local endpoints (warning)",
  "internal-error": "a bug in policyc; please report it",
  // Command line.
  "usage": "the command line is not valid",
} as const;

/** A stable diagnostic code. */
export type DiagnosticCode = keyof typeof diagnosticCodes;
