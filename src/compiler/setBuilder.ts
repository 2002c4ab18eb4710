/**
 * Builds the IR's named sets on demand while rules are lowered: selector sets (`net`, id =
 * Calico's selector id) and named-port sets (`addrPort`, id = Calico's `n:` id). Selector
 * membership is computed once per selector id over the label index and shared by both families.
 */
import type { Family, IpSet } from "./ir/types.js";
import type { Selector } from "../model/types.js";
import { printSelector, selectorId, uniqueId } from "../model/selector/index.js";
import type { SelectableMember } from "./endpoints.js";
import type { LabelIndex } from "./selectors/labelIndex.js";
import { bitsetMembers, buildLabelIndex, evaluateSelector } from "./selectors/labelIndex.js";

/** Lower-case protocol names as ipset's hash:ip,port members spell them. */
export type PortProtocol = "tcp" | "udp" | "sctp";

export interface SetBuilder {
  /** Registers (once) the `net` set of a selector in `family`; returns its id. */
  selectorSet(selector: Selector, family: Family): IpSet;
  /** Registers the `addrPort` set of a named port on endpoints matching `selector`. */
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): IpSet;
  /** Every set registered for `family`, sorted by id. */
  sets(family: Family): IpSet[];
}

function familyOf(cidr: string): Family {
  return cidr.includes(":") ? 6 : 4;
}

/** Sorted, de-duplicated. Plain code-unit order is enough: members are ASCII. */
function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

export function createSetBuilder(members: readonly SelectableMember[]): SetBuilder {
  let index: LabelIndex | undefined;
  const matched = new Map<string, readonly number[]>();
  const registered: Record<Family, Map<string, IpSet>> = { 4: new Map(), 6: new Map() };

  const matching = (selector: Selector, id: string): readonly number[] => {
    let m = matched.get(id);
    if (!m) {
      index ??= buildLabelIndex(members.map((x) => x.labels));
      m = bitsetMembers(evaluateSelector(index, selector));
      matched.set(id, m);
    }
    return m;
  };

  return {
    selectorSet(selector, family) {
      const id = selectorId(selector);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const nets: string[] = [];
      for (const i of matching(selector, id)) for (const n of members[i]!.nets) if (familyOf(n) === family) nets.push(n);
      const set: IpSet = { id, type: "net", family, members: sortedUnique(nets), comment: printSelector(selector) };
      registered[family].set(id, set);
      return set;
    },
    namedPortSet(selector, protocol, portName, family) {
      const selId = selectorId(selector);
      const id = uniqueId("n", `${selId},${protocol ?? ""},${portName}`);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const out: string[] = [];
      for (const i of matching(selector, selId)) {
        const m = members[i]!;
        for (const p of m.ports) {
          const proto = p.protocol.toLowerCase();
          if (p.name !== portName || (protocol !== undefined && proto !== protocol)) continue;
          for (const n of m.nets) if (familyOf(n) === family) out.push(`${n.slice(0, n.indexOf("/") < 0 ? n.length : n.indexOf("/"))},${proto}:${p.port}`);
        }
      }
      const set: IpSet = {
        id,
        type: "addrPort",
        family,
        members: sortedUnique(out),
        comment: `${printSelector(selector)} ${protocol ?? "any"}:${portName}`,
      };
      registered[family].set(id, set);
      return set;
    },
    sets(family) {
      return [...registered[family].values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
