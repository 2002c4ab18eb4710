/**
 * invalid-tag: v1 tags (profile `metadata.tags`, rule `tag` / `notTag`) must match
 * `^[a-zA-Z0-9_.-]{1,128}$` (v1 validator).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import { isV1Name } from "../names.js";
import { rulesOf, sidesOf } from "./ruleHelpers.js";
import type { Report, ResourceRule } from "./types.js";

/** Reports a bad tag (not a closure made per resource: this rule runs for every resource). */
function bad(r: Resource, report: Report, tag: string, path: string): void {
  report(error("invalid-tag", `"${tag}" is not a valid tag (1-128 of A-Z, a-z, 0-9, '_', '.', '-')`, spanOf(r.origin, path)));
}

export const v1Tags: ResourceRule = {
  name: "v1Tags",
  check(r, report) {
    if (r.kind === "V1Profile") {
      r.tags.forEach((t, i) => {
        if (!isV1Name(t)) bad(r, report, t, `metadata.tags.${i}`);
      });
    }
    for (const rule of rulesOf(r)) {
      for (const { entity, path } of sidesOf(rule)) {
        if (entity.tag !== undefined && !isV1Name(entity.tag)) bad(r, report, entity.tag, `${path}.tag`);
        if (entity.notTag !== undefined && !isV1Name(entity.notTag)) bad(r, report, entity.notTag, `${path}.notTag`);
      }
    }
  },
};
