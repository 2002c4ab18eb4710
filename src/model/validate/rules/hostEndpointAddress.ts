/**
 * missing-field: a HostEndpoint with no `interfaceName` must list `expectedIPs`, since selectors
 * match it by address then (api/hostendpoint.go).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ResourceRule } from "./types.js";

export const hostEndpointAddress: ResourceRule = {
  name: "hostEndpointAddress",
  check(r, report) {
    if (r.kind !== "HostEndpoint" && r.kind !== "V1HostEndpoint") return;
    if (r.interfaceName === undefined && r.expectedIPs.length === 0) {
      report(error("missing-field", "a host endpoint needs interfaceName or expectedIPs", spanOf(r.origin, "spec")));
    }
  },
};
