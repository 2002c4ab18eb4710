/**
 * What a rule's `services` matches, straight from the EndpointSlices of the model, as Felix's
 * service index defines it (felix/serviceindex/serviceindex.go, `membersFromEndpointSlice`):
 *
 * - a slice belongs to the service named by its `kubernetes.io/service-name` label, in the slice's
 *   namespace; a rule names the service as `<namespace>/<name>`, with the namespace exactly as
 *   written (libcalico-go updateprocessors/rules.go passes an empty one through unchanged);
 * - in a rule's source, the service is the set of its endpoints' addresses;
 * - in a rule's destination, it is the set of (address, protocol, port) for every address and
 *   every slice port that has a number (a port without a number contributes nothing); the
 *   protocol defaults to TCP.
 */
import type { Model } from "../model/types.js";
import { PROTOCOL_NUMBERS } from "../calico/index.js";
import { parseAddress } from "./addresses.js";

/** The endpoints of one service, by canonical address text. */
export interface ServiceEndpoints {
  readonly addresses: ReadonlySet<string>;
  /** `address protocolNumber port` strings. */
  readonly addressPorts: ReadonlySet<string>;
}

const EMPTY: ServiceEndpoints = { addresses: new Set(), addressPorts: new Set() };

/** `address protocol port` key of one destination member. */
export function addressPortKey(address: string, protocol: number, port: number): string {
  return `${address} ${protocol} ${port}`;
}

/** Every service of the model's EndpointSlices, by `<namespace>/<name>`. */
export function indexServices(model: Model): (namespace: string, name: string) => ServiceEndpoints {
  const byService = new Map<string, { addresses: Set<string>; addressPorts: Set<string> }>();
  for (const r of model.resources) {
    if (r.kind !== "EndpointSlice") continue;
    const key = `${r.metadata.namespace ?? "default"}/${r.service}`;
    let entry = byService.get(key);
    if (!entry) byService.set(key, (entry = { addresses: new Set(), addressPorts: new Set() }));
    for (const text of r.addresses) {
      const address = parseAddress(text);
      if (!address) continue;
      entry.addresses.add(address.text);
      for (const p of r.ports) if (p.port !== undefined) entry.addressPorts.add(addressPortKey(address.text, PROTOCOL_NUMBERS[p.protocol], p.port));
    }
  }
  return (namespace, name) => byService.get(`${namespace}/${name}`) ?? EMPTY;
}
