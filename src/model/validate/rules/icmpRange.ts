/**
 * invalid-icmp: ICMP type 0-254 and code 0-255 (type 255 is reserved: Calico uses it internally
 * as "any"), and a code requires a type.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { keySpanOf, rulesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

export const icmpRange: ResourceRule = {
  name: "icmpRange",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      for (const field of ["icmp", "notICMP"] as const) {
        const m = rule[field];
        if (!m) continue;
        const path = `${rule.path}.${field}`;
        if (m.type !== undefined && (m.type < 0 || m.type > 254)) {
          report(error("invalid-icmp", `ICMP type ${m.type} is out of range 0-254`, spanOf(resource.origin, `${path}.type`)));
        }
        if (m.code !== undefined && (m.code < 0 || m.code > 255)) {
          report(error("invalid-icmp", `ICMP code ${m.code} is out of range 0-255`, spanOf(resource.origin, `${path}.code`)));
        }
        if (m.code !== undefined && m.type === undefined) {
          report(error("invalid-icmp", "an ICMP code needs an ICMP type", keySpanOf(resource.origin, `${path}.code`)));
        }
      }
    }
  },
};
