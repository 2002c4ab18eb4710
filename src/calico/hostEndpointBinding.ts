/**
 * Which HostEndpoint guards which interface of the node, as Felix's endpoint manager decides it
 * (felix/dataplane/linux/endpoint_mgr.go `resolveHostEndpoints`). Shared by the compiler and the
 * reference evaluator: it is a fact about Calico, not a reading of policy.
 *
 * With the node's interfaces known (Felix always knows them):
 * - Felix walks the node's interfaces, leaving out workload interfaces (its `wlIfacesRegexp`,
 *   built from InterfacePrefix, `cali` by default) and InterfaceExclude (`kube-ipvs0` by default,
 *   felix/config/config_params.go), as its `ifaceAddrsUpdate` handling does.
 * - For each, the candidates are the endpoints whose `interfaceName` is that interface, and the
 *   endpoints with no `interfaceName` that expect one of the interface's addresses
 *   (`ExpectedIpv4Addrs`/`ExpectedIpv6Addrs`). An endpoint naming another interface never
 *   matches by address. The candidate whose name sorts first (Go string order) wins.
 * - A named endpoint whose interface does not exist guards nothing.
 * - `interfaceName: "*"` endpoints are apart: the one whose name sorts first is the
 *   all-interfaces endpoint.
 *
 * Without them (compiling away from the node): a named endpoint is taken to guard its interface,
 * and an endpoint with only expectedIPs guards nothing (the caller reports it).
 */
import { compareUtf8 } from "./goStrings.js";

/** The node's interfaces and their addresses (canonical text, no prefix length). */
export type HostInterfaces = Readonly<Record<string, readonly string[]>>;

/** What the binding reads of a HostEndpoint. */
export interface BindableHostEndpoint {
  readonly name: string;
  /** Absent: bound by `expectedIPs`; `*`: all interfaces. */
  readonly interfaceName?: string;
  /** Canonical addresses. */
  readonly expectedIPs: readonly string[];
}

/** Felix's all-interfaces `interfaceName`. */
export const ALL_INTERFACES_NAME = "*";

/** Felix's default InterfacePrefix (the workload interfaces) and InterfaceExclude (config_params.go). */
export const WORKLOAD_INTERFACE_PREFIX = "cali";
export const EXCLUDED_INTERFACES: readonly string[] = ["kube-ipvs0"];

/** Whether Felix considers `iface` a host interface that a host endpoint can guard. */
export function isHostInterface(iface: string): boolean {
  return !iface.startsWith(WORKLOAD_INTERFACE_PREFIX) && !EXCLUDED_INTERFACES.includes(iface);
}

export interface HostEndpointBinding<T> {
  /** Interface -> the endpoint guarding it, in interface name order. */
  readonly byIface: ReadonlyMap<string, T>;
  /** The all-interfaces endpoint. */
  readonly all?: T;
}

/** Binds `endpoints` (all on the node) to its interfaces; `interfaces` undefined: not known. */
export function bindHostEndpoints<T>(endpoints: readonly T[], view: (t: T) => BindableHostEndpoint, interfaces: HostInterfaces | undefined): HostEndpointBinding<T> {
  const better = (a: T, b: T | undefined): boolean => b === undefined || compareUtf8(view(a).name, view(b).name) < 0;
  let all: T | undefined;
  const candidates: T[] = [];
  for (const e of endpoints) {
    if (view(e).interfaceName === ALL_INTERFACES_NAME) {
      if (better(e, all)) all = e;
    } else candidates.push(e);
  }
  const byIface = new Map<string, T>();
  const offer = (iface: string, e: T): void => {
    if (better(e, byIface.get(iface))) byIface.set(iface, e);
  };
  if (interfaces === undefined) {
    for (const e of candidates) {
      const name = view(e).interfaceName;
      if (name !== undefined) offer(name, e);
    }
  } else {
    for (const iface of Object.keys(interfaces)) {
      if (!isHostInterface(iface)) continue;
      const addresses = interfaces[iface] ?? [];
      for (const e of candidates) {
        const { interfaceName, expectedIPs } = view(e);
        if (interfaceName !== undefined ? interfaceName === iface : expectedIPs.some((a) => addresses.includes(a))) offer(iface, e);
      }
    }
  }
  const sorted = new Map([...byIface].sort(([a], [b]) => compareUtf8(a, b)));
  return { byIface: sorted, ...(all !== undefined ? { all } : {}) };
}
