/**
 * The node's host endpoints: which HostEndpoint guards which interface, as Felix's endpoint
 * manager resolves them (felix/dataplane/linux/endpoint_mgr.go `resolveHostEndpoints`).
 *
 * - A host endpoint with `interfaceName` guards that interface (Felix: when the interface exists;
 *   policyc compiles without reading the node, so it assumes it does).
 * - `interfaceName: "*"` is the all-interfaces endpoint: its chains are the default of the
 *   host-endpoint dispatch chains, for every interface no named endpoint claims.
 * - A host endpoint with only `expectedIPs` guards the interfaces holding one of those addresses;
 *   that needs the node's interfaces (`CompileOptions.hostInterfaces`), without which it guards
 *   none and is reported.
 * - Several endpoints claiming one interface: the one whose name sorts first wins.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { warning } from "../diagnostics/diagnostic.js";
import { keySpanOf, type HostEndpoint, type Labels, type Model, type Origin, type V1HostEndpoint } from "../model/types.js";
import { memberBase, memberSource } from "./endpoints.js";
import { flattenLabels } from "./memberLabels.js";
import type { ProfileInfo } from "./profiles.js";
import { ALL_INTERFACES } from "./felixLayout/chainNames.js";

/** One interface guarded by a host endpoint. */
export interface LocalHostEndpoint {
  /** The interface (ALL_INTERFACES for the `*` endpoint). */
  readonly iface: string;
  /** The HostEndpoint's name (Felix's EndpointId). */
  readonly name: string;
  readonly labels: Labels;
  readonly profiles: readonly string[];
  readonly origin: Origin;
}

/** The node's interfaces and their addresses (canonical, no prefix length), when known. */
export type HostInterfaces = Readonly<Record<string, readonly string[]>>;

export interface ResolvedHostEndpoints {
  /** Named interfaces by name, then the all-interfaces endpoint if any. */
  readonly endpoints: readonly LocalHostEndpoint[];
  readonly diagnostics: readonly Diagnostic[];
}

type AnyHostEndpoint = HostEndpoint | V1HostEndpoint;

/** The node's host endpoints; `node` undefined makes every host endpoint local. */
export function resolveHostEndpoints(
  members: Model,
  profiles: (name: string) => ProfileInfo | undefined,
  node: string | undefined,
  interfaces: HostInterfaces | undefined,
): ResolvedHostEndpoints {
  const diagnostics: Diagnostic[] = [];
  const local: AnyHostEndpoint[] = [];
  for (const r of members.resources) {
    if ((r.kind === "HostEndpoint" || r.kind === "V1HostEndpoint") && (node === undefined || r.node === node)) local.push(r);
  }
  const byIface = new Map<string, AnyHostEndpoint>();
  let all: AnyHostEndpoint | undefined;
  const better = (a: AnyHostEndpoint, b: AnyHostEndpoint | undefined): boolean => b === undefined || a.metadata.name < b.metadata.name;
  for (const r of local) {
    if (r.interfaceName === "*") {
      if (better(r, all)) all = r;
      continue;
    }
    const ifaces =
      r.interfaceName !== undefined
        ? interfaces === undefined || Object.hasOwn(interfaces, r.interfaceName)
          ? [r.interfaceName]
          : []
        : Object.keys(interfaces ?? {}).filter((i) => (interfaces?.[i] ?? []).some((a) => r.expectedIPs.includes(a)));
    if (r.interfaceName === undefined && interfaces === undefined) {
      diagnostics.push(
        warning(
          "unsupported",
          `host endpoint ${r.metadata.name} names no interface: Felix guards the node's interfaces that hold its expectedIPs, which policyc cannot see when compiling; it guards no interface here (its addresses are still matched by selectors)`,
          keySpanOf(r.origin, "spec.expectedIPs"),
        ),
      );
    }
    for (const i of ifaces) if (better(r, byIface.get(i))) byIface.set(i, r);
  }
  const info = (iface: string, r: AnyHostEndpoint): LocalHostEndpoint => {
    const src = memberSource(r)!;
    return { iface, name: r.metadata.name, labels: flattenLabels(src.own, memberBase(src, profiles)), profiles: r.profiles, origin: r.origin };
  };
  const endpoints = [...byIface.keys()].sort().map((i) => info(i, byIface.get(i)!));
  if (all) endpoints.push(info(ALL_INTERFACES, all));
  return { endpoints, diagnostics };
}
