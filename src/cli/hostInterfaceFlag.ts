/**
 * `--host-interface NAME=IP[,IP…]` (repeatable): the node's interfaces and their addresses, for
 * host endpoints that name no interface (Felix binds those to the interfaces holding one of
 * their expectedIPs, src/calico/hostEndpointBinding.ts). `NAME=` is an interface without
 * addresses. Given at all, the list is the node's whole set of interfaces: a named host endpoint
 * whose interface is not in it guards nothing, as in Felix.
 */
import type { HostInterfaces } from "../calico/index.js";
import { canonicalAddress } from "../model/validate/cidr.js";
import { UsageError } from "./usageError.js";

export const hostInterfaceFlag = { "host-interface": { type: "string", multiple: true } } as const;

/** Linux interface names: 1-15 bytes, no `/`, `:`, whitespace or NUL (dev_valid_name). */
const IFACE_NAME = /^[^/:\s\0]{1,15}$/;

/** Parses every `--host-interface`; undefined when none was given. Throws a UsageError on a malformed one. */
export function parseHostInterfaces(values: readonly string[] | undefined): HostInterfaces | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const out = new Map<string, string[]>();
  for (const v of values) {
    const eq = v.indexOf("=");
    const name = eq < 0 ? v : v.slice(0, eq);
    if (eq < 0 || !IFACE_NAME.test(name) || name === "." || name === "..") {
      throw new UsageError(`--host-interface '${v}': expected NAME=IP[,IP…] (an interface name and its addresses; NAME= for none)`);
    }
    if (out.has(name)) throw new UsageError(`--host-interface: interface ${name} is given twice`);
    const rest = v.slice(eq + 1).trim();
    const addresses = rest === "" ? [] : rest.split(",").map((a) => a.trim());
    out.set(
      name,
      addresses.map((a) => {
        const c = canonicalAddress(a.replace(/\/\d+$/, ""));
        if (!c) throw new UsageError(`--host-interface '${v}': '${a}' is not an IP address`);
        return c.text;
      }),
    );
  }
  return Object.fromEntries(out);
}
