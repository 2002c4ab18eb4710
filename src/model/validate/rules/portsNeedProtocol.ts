/**
 * ports-need-protocol: `ports` / `notPorts` on either side need protocol TCP, UDP or SCTP (or 6,
 * 17, 132). With no protocol at all, Calico v3.32+ accepts them if every port is a named port.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import type { Protocol } from "../../types.js";
import { protocolNamesList } from "./protocolNames.js";
import { keySpanOf, rulesOf, sidesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

const portProtocols: readonly Protocol[] = ["TCP", "UDP", "SCTP", 6, 17, 132];

export const portsNeedProtocol: ResourceRule = {
  name: "portsNeedProtocol",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      // A misspelt protocol (`tcp`) is reported by protocolNames; saying its ports need one too is noise.
      if (typeof rule.protocol === "string" && !protocolNamesList.includes(rule.protocol)) continue;
      for (const { entity, path } of sidesOf(rule)) {
        for (const field of ["ports", "notPorts"] as const) {
          const ports = entity[field];
          if (ports.length === 0) continue;
          if (rule.protocol !== undefined && portProtocols.includes(rule.protocol)) continue;
          if (rule.protocol === undefined && ports.every((p) => p.kind === "named")) continue;
          const why = rule.protocol === undefined ? "no protocol is given" : `protocol is ${rule.protocol}`;
          report(
            error(
              "ports-need-protocol",
              `${field} need protocol TCP, UDP or SCTP, but ${why}`,
              keySpanOf(resource.origin, `${path}.${field}`),
            ),
          );
        }
      }
    }
  },
};
