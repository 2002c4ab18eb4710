/**
 * The members of Felix's service IP sets (felix/serviceindex/serviceindex.go,
 * `membersFromEndpointSlice`): for a rule's destination, `address,proto:port` for every endpoint
 * address of the service's EndpointSlices and every slice port that has a number (type
 * hash:ip,port, id `svc:` + hash of `<namespace>/<name>`); for a rule's source, the addresses alone
 * (type hash:net, id `svcnoport:`...). A slice belongs to the service its
 * `kubernetes.io/service-name` label names, in the slice's own namespace; the rule's namespace is
 * used exactly as written (felix/calc/rule_scanner.go).
 */
import type { EndpointSlice, Model } from "../model/types.js";
import type { Family } from "./ir/types.js";
import { hostCidr } from "./endpoints.js";

export interface ServiceMembers {
  /** Sorted, per family: `addr/len` CIDRs. */
  readonly nets: Readonly<Record<Family, readonly string[]>>;
  /** Sorted, per family: `addr,proto:port`. */
  readonly addrPorts: Readonly<Record<Family, readonly string[]>>;
}

/** The members of a service with no EndpointSlice. */
export const NO_MEMBERS: ServiceMembers = { nets: { 4: [], 6: [] }, addrPorts: { 4: [], 6: [] } };

/** Service members by `<namespace>/<name>`; an unknown service has none. */
export type ServiceLookup = (service: string) => ServiceMembers;

/** The service an EndpointSlice belongs to: `<namespace>/<kubernetes.io/service-name>`. */
export function sliceService(slice: EndpointSlice): string {
  return `${slice.metadata.namespace ?? "default"}/${slice.service}`;
}

/** The members of one service's sets, from its EndpointSlices. */
export function serviceSetMembers(slices: Iterable<EndpointSlice>): ServiceMembers {
  const nets: Record<Family, Set<string>> = { 4: new Set(), 6: new Set() };
  const addrPorts: Record<Family, Set<string>> = { 4: new Set(), 6: new Set() };
  for (const r of slices) {
    for (const address of r.addresses) {
      const family: Family = address.includes(":") ? 6 : 4;
      nets[family].add(hostCidr(address));
      for (const p of r.ports) if (p.port !== undefined) addrPorts[family].add(`${address},${p.protocol.toLowerCase()}:${p.port}`);
    }
  }
  // The IR's member order: IPv4 by address, then text; IPv6 by text (see setBuilder.ts).
  const v4 = (s: Set<string>): string[] => [...s].sort((x, y) => v4Number(x) - v4Number(y) || (x < y ? -1 : x > y ? 1 : 0));
  const v6 = (s: Set<string>): string[] => [...s].sort();
  return { nets: { 4: v4(nets[4]), 6: v6(nets[6]) }, addrPorts: { 4: v4(addrPorts[4]), 6: v6(addrPorts[6]) } };
}

export function serviceMembers(model: Model): { readonly lookup: ServiceLookup; readonly known: ReadonlySet<string> } {
  const slices = new Map<string, EndpointSlice[]>();
  for (const r of model.resources) {
    if (r.kind !== "EndpointSlice") continue;
    const key = sliceService(r);
    const list = slices.get(key);
    if (list) list.push(r);
    else slices.set(key, [r]);
  }
  const done = new Map<string, ServiceMembers>();
  for (const [key, list] of slices) done.set(key, serviceSetMembers(list));
  return { lookup: (service) => done.get(service) ?? NO_MEMBERS, known: new Set(done.keys()) };
}

/** The leading IPv4 address of a member (`a.b.c.d/len` or `a.b.c.d,proto:port`) as a number. */
function v4Number(member: string): number {
  const end = member.search(/[/,]/);
  return (end < 0 ? member : member.slice(0, end)).split(".").reduce((v, o) => v * 256 + Number(o), 0);
}
