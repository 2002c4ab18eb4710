/**
 * The ids and comments of the IR's named sets, as Felix names its IP sets
 * (felix/calc/rule_scanner.go, `IPSetData.UniqueID`): a selector's set is Calico's selector id
 * (`s:`), a named port's set is `n:` + the hash of `<selector id>,<protocol>,<port name>`, a
 * Service's sets `svc:` / `svcnoport:` + the hash of `<namespace>/<name>`.
 */
import type { Selector } from "../model/types.js";
import { printSelector, uniqueId } from "../model/selector/index.js";
import type { PortProtocol } from "./setBuilder.js";

const ids = new WeakMap<Selector, { id: string; text: string }>();

/** Canonical text and Calico id of a selector, memoized per tree object. */
export function selectorIdentity(selector: Selector): { readonly id: string; readonly text: string } {
  let v = ids.get(selector);
  if (!v) {
    const text = printSelector(selector);
    ids.set(selector, (v = { id: uniqueId("s", text), text }));
  }
  return v;
}

// The id is a SHA-224 hash: computed once per (selector, protocol, port), not per rule.
const namedIds = new Map<string, string>();

/** The id of the named-port set of `portName` (and `protocol`, when given) on a selector's endpoints. */
export function namedPortSetId(selectorId: string, protocol: PortProtocol | undefined, portName: string): string {
  const key = `${selectorId},${protocol ?? ""},${portName}`;
  let id = namedIds.get(key);
  if (id === undefined) {
    id = uniqueId("n", key);
    // A long-running compiler sees ever new selectors: the memo is a cache, not a registry.
    if (namedIds.size >= 100_000) namedIds.clear();
    namedIds.set(key, id);
  }
  return id;
}

/** The comment of a named-port set. */
export function namedPortSetComment(selectorText: string, protocol: PortProtocol | undefined, portName: string): string {
  return `${selectorText} ${protocol ?? "any"}:${portName}`;
}

/** The id of a Service's set: address-port pairs (`withPorts`, a rule's destination) or addresses. */
export function serviceSetId(service: string, withPorts: boolean): string {
  return uniqueId(withPorts ? "svc" : "svcnoport", service);
}

/** The comment of a Service's set. */
export function serviceSetComment(service: string, withPorts: boolean): string {
  return withPorts ? `service ${service}` : `service ${service} (addresses)`;
}
