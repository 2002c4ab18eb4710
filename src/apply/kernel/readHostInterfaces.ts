/**
 * The node's interfaces and their addresses, read from the kernel with `ip -j addr show`
 * (iproute2's JSON: `[{ifname, addr_info: [{family: "inet"|"inet6", local}]}]`), for host
 * endpoints that name no interface: Felix binds those to the interfaces holding one of their
 * expectedIPs, from the addresses its interface monitor sees (felix/dataplane/linux/endpoint_mgr.go
 * `resolveHostEndpoints`, src/calico/hostEndpointBinding.ts). Workload interfaces are kept here;
 * the binding leaves them out, as Felix does.
 */
import type { HostInterfaces } from "../../calico/index.js";
import { canonicalAddress } from "../../model/validate/cidr.js";
import type { Exec } from "../execution/exec.js";
import { stepError } from "../execution/stepError.js";

/** The argv this module runs (exported for tests and fakes). */
export const IP_ADDR_ARGV: readonly string[] = ["ip", "-j", "addr", "show"];

/** Parses `ip -j addr show`; throws on output that is not its JSON shape. */
export function parseIpAddrJson(text: string): HostInterfaces {
  const doc: unknown = JSON.parse(text);
  if (!Array.isArray(doc)) throw new Error("ip -j addr show: expected a JSON array");
  const out = new Map<string, string[]>();
  for (const link of doc) {
    if (typeof link !== "object" || link === null) throw new Error("ip -j addr show: expected an object per interface");
    const { ifname, addr_info: info } = link as { ifname?: unknown; addr_info?: unknown };
    if (typeof ifname !== "string") throw new Error("ip -j addr show: an interface without ifname");
    const addresses = out.get(ifname) ?? [];
    for (const a of Array.isArray(info) ? info : []) {
      const local = typeof a === "object" && a !== null ? (a as { local?: unknown }).local : undefined;
      const c = typeof local === "string" ? canonicalAddress(local) : undefined;
      if (c && !addresses.includes(c.text)) addresses.push(c.text);
    }
    out.set(ifname, addresses);
  }
  return Object.fromEntries(out);
}

/** Reads the interfaces of the network namespace `exec` runs in. */
export async function readHostInterfaces(exec: Exec): Promise<HostInterfaces> {
  const r = await exec.run(IP_ADDR_ARGV);
  if (r.code !== 0) throw stepError("reading the node's interfaces", IP_ADDR_ARGV, r);
  try {
    return parseIpAddrJson(r.stdout);
  } catch (e) {
    throw stepError("reading the node's interfaces", IP_ADDR_ARGV, { code: 0, stderr: e instanceof Error ? e.message : String(e) });
  }
}
