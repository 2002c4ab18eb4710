/**
 * duplicate-endpoint-ip (warning): two live workload endpoints claim one address. A cluster never
 * has that for long (IPAM hands an address out once); in an export it means a stale object, such
 * as a finished pod whose address was reused, that was not marked finished. Felix would program
 * both; policyc compiles both too, and reports the clash rather than pick one silently (`explain`
 * refuses to resolve such an address to an endpoint).
 */
import { warning } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import type { ModelRule } from "./types.js";

/** A live workload endpoint's addresses (without prefix length) and where they are written. */
function claims(r: Resource): { addresses: readonly string[]; path: string } | undefined {
  switch (r.kind) {
    case "Pod":
      return r.hostNetwork || r.finished ? undefined : { addresses: r.ips, path: "status.podIPs" };
    case "WorkloadEndpoint":
    case "V1WorkloadEndpoint":
      return { addresses: r.ipNetworks.map((n) => n.replace(/\/\d+$/, "")), path: "spec.ipNetworks" };
    default:
      return undefined;
  }
}

function describe(r: Resource): string {
  return `${r.kind} ${r.metadata.namespace !== undefined ? `${r.metadata.namespace}/` : ""}${r.metadata.name}`;
}

export const duplicateEndpointIps: ModelRule = {
  name: "duplicateEndpointIps",
  check(resources, report) {
    const owner = new Map<string, Resource>();
    resources.forEach((r, i) => {
      const c = claims(r);
      if (!c) return;
      const addresses = c.addresses;
      for (let k = 0; k < addresses.length; k++) {
        const address = addresses[k]!;
        // Each address once (as a Set of them would): its first occurrence in the list.
        if (addresses.indexOf(address) < k) continue;
        const first = owner.get(address);
        if (!first) {
          owner.set(address, r);
          continue;
        }
        report(
          warning("duplicate-endpoint-ip", `${describe(r)} claims ${address}, which ${describe(first)} already has`, spanOf(r.origin, c.path), [
            { message: `${describe(first)} is here`, span: spanOf(first.origin, claims(first)!.path) },
          ]),
          i,
        );
      }
    });
  },
};
