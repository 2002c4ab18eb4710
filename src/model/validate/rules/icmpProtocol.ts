/**
 * icmp-needs-protocol / icmp-version-mismatch: `icmp` and `notICMP` need protocol ICMP or ICMPv6
 * (or 1 / 58); ICMP needs ipVersion 4 and ICMPv6 needs 6 when ipVersion is set, for `protocol`
 * and `notProtocol` alike (validator.go validateRule).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Protocol } from "../../types.js";
import { keySpanOf, rulesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

/** The IP version an ICMP protocol implies, or undefined for other protocols. */
export function icmpVersion(p: Protocol | undefined): 4 | 6 | undefined {
  if (p === "ICMP" || p === 1) return 4;
  if (p === "ICMPv6" || p === 58) return 6;
  return undefined;
}

export const icmpProtocol: ResourceRule = {
  name: "icmpProtocol",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      for (const field of ["icmp", "notICMP"] as const) {
        if (rule[field] !== undefined && icmpVersion(rule.protocol) === undefined) {
          report(
            error(
              "icmp-needs-protocol",
              `${field} needs protocol ICMP or ICMPv6`,
              keySpanOf(resource.origin, `${rule.path}.${field}`),
            ),
          );
        }
      }
      for (const field of ["protocol", "notProtocol"] as const) {
        const version = icmpVersion(rule[field]);
        if (version !== undefined && rule.ipVersion !== undefined && rule.ipVersion !== version) {
          report(
            error(
              "icmp-version-mismatch",
              `${field} ${rule[field]} is for IPv${version}, but ipVersion is ${rule.ipVersion}`,
              spanOf(resource.origin, `${rule.path}.${field}`),
            ),
          );
        }
      }
    }
  },
};
