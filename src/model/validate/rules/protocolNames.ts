/**
 * invalid-protocol: `protocol` / `notProtocol` must be a Calico protocol name, matched
 * case-sensitively (`tcp` is rejected in v3), or a number 1-255 (numorstring.Protocol).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { rulesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

export const protocolNamesList: readonly string[] = ["TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite"];

export const protocolNames: ResourceRule = {
  name: "protocolNames",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      for (const field of ["protocol", "notProtocol"] as const) {
        const p = rule[field];
        if (p === undefined) continue;
        const ok = typeof p === "number" ? Number.isInteger(p) && p >= 1 && p <= 255 : protocolNamesList.includes(p);
        if (!ok) {
          const hint = typeof p === "number" ? "a number must be 1-255" : `names are case-sensitive: ${protocolNamesList.join(", ")}`;
          report(error("invalid-protocol", `invalid ${field} "${p}" (${hint})`, spanOf(resource.origin, `${rule.path}.${field}`)));
        }
      }
    }
  },
};
