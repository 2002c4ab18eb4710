/**
 * `unsupported`: fields the schema accepts and Felix acts on, which policyc does not compile yet.
 * Every such field is reported where it is written, so that nobody relies on a compiled ruleset
 * that leaves it out (a warning; `--strict` makes it fail). What they are and why:
 *
 * - WorkloadEndpoint `allowSpoofedSourcePrefixes`: exceptions to Felix's anti-spoofing check in the
 *   raw table (felix/rules/static.go, the RPF check), which policyc does not compile.
 *
 * - FelixConfiguration fields other than those `FelixSettings` holds (Felix has some two hundred),
 *   and selector-scoped FelixConfigurations (named neither `default` nor `node.<name>`).
 *
 * `fieldCoverage.test.ts` proves that every field of every schema is compiled, reported here, or
 * documented as having no effect on the ruleset.
 */
import { assertNever } from "../../diagnostics/assertNever.js";
import { warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { keySpanOf, type Resource } from "../types.js";

/** The unsupported fields of one resource, as diagnostics. */
export function unsupportedFields(r: Resource): Diagnostic[] {
  // No closure made per resource: this runs for every one.
  const out: Diagnostic[] = [];
  switch (r.kind) {
    case "HostEndpoint":
    case "V1HostEndpoint":
    case "GlobalNetworkPolicy":
    case "V1Policy":
      break;
    case "WorkloadEndpoint":
      if (r.allowSpoofedSourcePrefixes.length > 0) {
        out.push(unsupportedAt(r, "spec.allowSpoofedSourcePrefixes", "allowSpoofedSourcePrefixes are exceptions to Felix's anti-spoofing check in the raw table, which policyc does not compile yet"));
      }
      break;
    case "FelixConfiguration":
      if (r.scope.kind === "selector") {
        out.push(unsupportedAt(r, "metadata.name", "a FelixConfiguration named other than `default` or `node.<name>` is selector-scoped, which policyc does not read; it is left out"));
      }
      for (const field of r.unsupported) {
        out.push(unsupportedAt(r, `spec.${field}`, `FelixConfiguration field ${field} is not compiled by policyc; the ruleset is compiled as if it were unset`));
      }
      break;
    case "Namespace":
    case "ServiceAccount":
    case "Pod":
    case "Workload":
    case "EndpointSlice":
    case "K8sNetworkPolicy":
    case "ClusterNetworkPolicy":
    case "NetworkPolicy":
    case "Tier":
    case "Profile":
    case "NetworkSet":
    case "GlobalNetworkSet":
    case "V1Profile":
    case "V1WorkloadEndpoint":
    case "IPPool":
    case "V1IPPool":
    case "Node":
    case "K8sNode":
      break;
    default:
      assertNever(r, "resource");
  }
  return out;
}

function unsupportedAt(r: Resource, path: string, message: string): Diagnostic {
  return warning("unsupported", message, keySpanOf(r.origin, path));
}
