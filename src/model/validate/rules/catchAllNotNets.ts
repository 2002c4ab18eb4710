/**
 * catch-all-not-net: `notNets` may not contain 0.0.0.0/0 or ::/0 (validator.go): such a rule could
 * never match.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { isCatchAll } from "../cidr.js";
import { rulesOf, sidesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

export const catchAllNotNets: ResourceRule = {
  name: "catchAllNotNets",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      for (const { entity, path } of sidesOf(rule)) {
        entity.notNets.forEach((net, i) => {
          if (isCatchAll(net)) {
            report(error("catch-all-not-net", `notNets may not contain ${net}: the rule would match nothing`, spanOf(resource.origin, `${path}.notNets.${i}`)));
          }
        });
      }
    }
  },
};
