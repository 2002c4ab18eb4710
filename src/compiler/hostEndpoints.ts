/**
 * The node's host endpoints: which HostEndpoint guards which interface, as Felix's endpoint
 * manager resolves them (felix/dataplane/linux/endpoint_mgr.go `resolveHostEndpoints`).
 *
 * - A host endpoint with `interfaceName` guards that interface (Felix: when the interface exists;
 *   without the node's interfaces policyc assumes it does).
 * - `interfaceName: "*"` is the all-interfaces endpoint: its chains are the default of the
 *   host-endpoint dispatch chains, for every interface no named endpoint claims.
 * - A host endpoint with only `expectedIPs` guards the interfaces holding one of those addresses;
 *   that needs the node's interfaces (`CompileOptions.hostInterfaces`: `--host-interface`, or
 *   read from the kernel by apply and the agent), without which it guards none and is reported.
 * - Several endpoints claiming one interface: the one whose name sorts first wins.
 * The binding itself is src/calico/hostEndpointBinding.ts, shared with the evaluator.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { warning } from "../diagnostics/diagnostic.js";
import { keySpanOf, type HostEndpoint, type Labels, type Model, type Origin, type V1HostEndpoint } from "../model/types.js";
import { memberBase, memberSource } from "./endpoints.js";
import { flattenLabels } from "./memberLabels.js";
import type { ProfileInfo } from "./profiles.js";
import { ALL_INTERFACES } from "./felixLayout/chainNames.js";
import { bindHostEndpoints, type HostInterfaces } from "../calico/index.js";

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
export type { HostInterfaces };

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
  const binding = bindHostEndpoints(local, (r) => ({ name: r.metadata.name, ...(r.interfaceName !== undefined ? { interfaceName: r.interfaceName } : {}), expectedIPs: r.expectedIPs }), interfaces);
  if (interfaces === undefined) {
    for (const r of local) {
      if (r.interfaceName !== undefined) continue;
      diagnostics.push(
        warning(
          "unsupported",
          `host endpoint ${r.metadata.name} names no interface: Felix guards the node's interfaces that hold its expectedIPs, which policyc cannot see when compiling; it guards no interface here (its addresses are still matched by selectors; give the node's interfaces with --host-interface, or let apply read them)`,
          keySpanOf(r.origin, "spec.expectedIPs"),
        ),
      );
    }
  }
  const info = (iface: string, r: AnyHostEndpoint): LocalHostEndpoint => {
    const src = memberSource(r)!;
    return { iface, name: r.metadata.name, labels: flattenLabels(src.own, memberBase(src, profiles)), profiles: r.profiles, origin: r.origin };
  };
  const endpoints = [...binding.byIface].map(([i, r]) => info(i, r));
  if (binding.all) endpoints.push(info(ALL_INTERFACES, binding.all));
  return { endpoints, diagnostics };
}

/**
 * Whether compiling `model` for `node` needs the node's interfaces: some host endpoint of the
 * node names no interface (apply and the agent read them from the kernel only then).
 */
export function needsHostInterfaces(model: Model, node: string | undefined): boolean {
  return model.resources.some((r) => (r.kind === "HostEndpoint" || r.kind === "V1HostEndpoint") && (node === undefined || r.node === node) && r.interfaceName === undefined);
}
