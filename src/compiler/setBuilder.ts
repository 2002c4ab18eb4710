/**
 * The IR's named sets of the full compile: lowering registers selector sets (`net`, id =
 * Calico's selector id), named-port sets (`addrPort`, id = Calico's `n:` id) and service sets;
 * their members are computed together once every chain is lowered (`sets`). Reading a label of
 * hundreds of thousands of members costs a cache miss each, so the labels every registered
 * selector reads are indexed in one pass over the members (memberTable.ts); selector
 * membership is computed once per selector id and shared by both families. Member order:
 * familyNets.ts.
 */
import type { Family, IpSet } from "./ir/types.js";
import type { Selector } from "../model/types.js";
import { namedPortSetComment, namedPortSetId, selectorIdentity as identify, serviceSetComment, serviceSetId } from "./setIds.js";
import type { MemberTable } from "./memberTable.js";
import type { ServiceLookup } from "./serviceSets.js";
import { assertNever } from "../diagnostics/assertNever.js";
import { addrRanks, familyNets, namedPortMembers, netSetMembers, type AddrPortTexts, type AddrRanks, type FamilyNets } from "./familyNets.js";

/** Lower-case protocol names as ipset's hash:ip,port members spell them. */
export type PortProtocol = "tcp" | "udp" | "sctp";

/** Where lowering registers the sets a rule matches on (the full compile's builder, or the incremental compiler's table). */
export interface SetRegistry {
  selectorSet(selector: Selector, family: Family): { readonly id: string };
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): { readonly id: string };
  serviceSet(service: string, withPorts: boolean, family: Family): { readonly id: string };
}

export interface SetBuilder extends SetRegistry {
  /** Registers (once) the `net` set of a selector in `family`. */
  selectorSet(selector: Selector, family: Family): { readonly id: string };
  /** Registers the `addrPort` set of a named port on endpoints matching `selector`. */
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): { readonly id: string };
  /**
   * Registers a Kubernetes Service's set (`<namespace>/<name>`): its address-port pairs for a
   * rule's destination (`addrPort`, id `svc:`), its addresses for a rule's source (`net`, id
   * `svcnoport:`), as felix/calc/rule_scanner.go names them.
   */
  serviceSet(service: string, withPorts: boolean, family: Family): { readonly id: string };
  /** Every set registered for `family` with its members, sorted by id. */
  sets(family: Family): readonly IpSet[];
}

/** A registered set, before its members are computed. */
type Registration =
  | { readonly kind: "selector"; readonly id: string; readonly selector: Selector; readonly comment: string }
  | { readonly kind: "namedPort"; readonly id: string; readonly selector: Selector; readonly protocol: PortProtocol | undefined; readonly portName: string; readonly comment: string }
  | { readonly kind: "service"; readonly id: string; readonly service: string; readonly withPorts: boolean };

const byId = (a: IpSet, b: IpSet): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `aggregate`: `net` sets come with their members aggregated (as the CIDR aggregation pass
 * makes them, which then leaves them as they are), computed from the members' numeric keys.
 */
export function createSetBuilder(members: MemberTable, services: ServiceLookup = () => ({ nets: { 4: [], 6: [] }, addrPorts: { 4: [], 6: [] } }), aggregate = false): SetBuilder {
  const registered: Record<Family, Map<string, Registration>> = { 4: new Map(), 6: new Map() };
  const built: Partial<Record<Family, readonly IpSet[]>> = {};
  const register = (family: Family, r: Registration): { readonly id: string } => {
    if (!registered[family].has(r.id)) {
      registered[family].set(r.id, r);
      delete built[family];
    }
    return { id: r.id };
  };

  const matched = new Map<string, ArrayLike<number>>();
  let nets: Readonly<Record<Family, FamilyNets>> | undefined;
  const addrRanksOf: Partial<Record<Family, AddrRanks>> = {};
  const addrPortTexts: AddrPortTexts = new Map();
  const netsOf = (f: Family): FamilyNets => (nets ??= familyNets(members))[f];
  const matching = (selector: Selector): ArrayLike<number> => {
    const { id } = identify(selector);
    let m = matched.get(id);
    if (!m) matched.set(id, (m = members.select(selector)));
    return m;
  };

  const build = (family: Family, r: Registration): IpSet => {
    switch (r.kind) {
      case "selector":
        return { id: r.id, type: "net", family, members: netSetMembers(netsOf(family), matching(r.selector), aggregate), comment: r.comment };
      case "namedPort": {
        const fn = netsOf(family);
        const ar = (addrRanksOf[family] ??= addrRanks(fn, family));
        const list = namedPortMembers(fn, ar, matching(r.selector), members, r.protocol, r.portName, addrPortTexts, family);
        return { id: r.id, type: "addrPort", family, members: list, comment: r.comment };
      }
      case "service": {
        const found = services(r.service);
        return r.withPorts
          ? { id: r.id, type: "addrPort", family, members: found.addrPorts[family], comment: serviceSetComment(r.service, true) }
          : { id: r.id, type: "net", family, members: found.nets[family], comment: serviceSetComment(r.service, false) };
      }
      default:
        return assertNever(r, "set registration");
    }
  };

  return {
    selectorSet(selector, family) {
      const { id, text } = identify(selector);
      return register(family, { kind: "selector", id, selector, comment: text });
    },
    namedPortSet(selector, protocol, portName, family) {
      const { id: selId, text } = identify(selector);
      return register(family, { kind: "namedPort", id: namedPortSetId(selId, protocol, portName), selector, protocol, portName, comment: namedPortSetComment(text, protocol, portName) });
    },
    serviceSet(service, withPorts, family) {
      return register(family, { kind: "service", id: serviceSetId(service, withPorts), service, withPorts });
    },
    sets(family) {
      let out = built[family];
      if (!out) {
        // Every label the registered selectors read, indexed in one pass over the members.
        const selectors: Selector[] = [];
        for (const f of [4, 6] as const) for (const r of registered[f].values()) if (r.kind !== "service") selectors.push(r.selector);
        members.prepare(selectors);
        built[family] = out = [...registered[family].values()].map((r) => build(family, r)).sort(byId);
      }
      return out;
    },
  };
}
