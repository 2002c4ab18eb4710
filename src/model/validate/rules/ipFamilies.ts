/**
 * mixed-ip-families: all nets and notNets of a rule (both sides) must be of one IP family, which
 * must match `ipVersion` when it is set (validator.go validateRule).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { familyOf } from "../cidr.js";
import { rulesOf, sidesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

export const ipFamilies: ResourceRule = {
  name: "ipFamilies",
  check(resource, report) {
    for (const rule of rulesOf(resource)) {
      let family: { version: 4 | 6; what: string } | undefined = rule.ipVersion
        ? { version: rule.ipVersion, what: `ipVersion ${rule.ipVersion}` }
        : undefined;
      for (const { entity, path } of sidesOf(rule)) {
        for (const field of ["nets", "notNets"] as const) {
          entity[field].forEach((net, i) => {
            const version = familyOf(net);
            if (!family) {
              family = { version, what: net };
            } else if (family.version !== version) {
              report(
                error(
                  "mixed-ip-families",
                  `${net} is IPv${version}, but the rule is IPv${family.version} (${family.what})`,
                  spanOf(resource.origin, `${path}.${field}.${i}`),
                ),
              );
            }
          });
        }
      }
    }
  },
};
