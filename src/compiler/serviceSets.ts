/**
 * The members of Felix's service IP sets (felix/serviceindex/serviceindex.go,
 * `membersFromEndpointSlice`): for a rule's destination, `address,proto:port` for every endpoint
 * address of the service's EndpointSlices and every slice port that has a number (type
 * hash:ip,port, id `svc:` + hash of `<namespace>/<name>`); for a rule's source, the addresses alone
 * (type hash:net, id `svcnoport:`...). A slice belongs to the service its
 * `kubernetes.io/service-name` label names, in the slice's own namespace; the rule's namespace is
 * used exactly as written (felix/calc/rule_scanner.go).
 */
import type { Model } from "../model/types.js";
import type { Family } from "./ir/types.js";
import { hostCidr } from "./endpoints.js";

export interface ServiceMembers {
  /** Sorted, per family: `addr/len` CIDRs. */
  readonly nets: Readonly<Record<Family, readonly string[]>>;
  /** Sorted, per family: `addr,proto:port`. */
  readonly addrPorts: Readonly<Record<Family, readonly string[]>>;
}

const NONE: ServiceMembers = { nets: { 4: [], 6: [] }, addrPorts: { 4: [], 6: [] } };

/** Service members by `<namespace>/<name>`; an unknown service has none. */
export type ServiceLookup = (service: string) => ServiceMembers;

export function serviceMembers(model: Model): { readonly lookup: ServiceLookup; readonly known: ReadonlySet<string> } {
  const acc = new Map<string, { nets: Record<Family, Set<string>>; addrPorts: Record<Family, Set<string>> }>();
  for (const r of model.resources) {
    if (r.kind !== "EndpointSlice") continue;
    const key = `${r.metadata.namespace ?? "default"}/${r.service}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { nets: { 4: new Set(), 6: new Set() }, addrPorts: { 4: new Set(), 6: new Set() } }));
    for (const address of r.addresses) {
      const family: Family = address.includes(":") ? 6 : 4;
      a.nets[family].add(hostCidr(address));
      for (const p of r.ports) if (p.port !== undefined) a.addrPorts[family].add(`${address},${p.protocol.toLowerCase()}:${p.port}`);
    }
  }
  const done = new Map<string, ServiceMembers>();
  for (const [key, a] of acc) {
    // The IR's member order: IPv4 by address, then text; IPv6 by text (see setBuilder.ts).
    const v4 = (s: Set<string>): string[] => [...s].sort((x, y) => v4Number(x) - v4Number(y) || (x < y ? -1 : x > y ? 1 : 0));
    const v6 = (s: Set<string>): string[] => [...s].sort();
    done.set(key, { nets: { 4: v4(a.nets[4]), 6: v6(a.nets[6]) }, addrPorts: { 4: v4(a.addrPorts[4]), 6: v6(a.addrPorts[6]) } });
  }
  return { lookup: (service) => done.get(service) ?? NONE, known: new Set(done.keys()) };
}

/** The leading IPv4 address of a member (`a.b.c.d/len` or `a.b.c.d,proto:port`) as a number. */
function v4Number(member: string): number {
  const end = member.search(/[/,]/);
  return (end < 0 ? member : member.slice(0, end)).split(".").reduce((v, o) => v * 256 + Number(o), 0);
}
