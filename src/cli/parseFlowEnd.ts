import type { FlowEnd, Prepared } from "../semantics/index.js";
import { parseAddress } from "../semantics/addresses.js";
import { UsageError } from "./usageError.js";

/** A parsed `--from`/`--to`: an endpoint id, or an address with its family. */
export type ParsedEnd = { readonly end: FlowEnd; readonly family?: 4 | 6 };

/**
 * Parses `--from`/`--to`: a dotted-quad IPv4 or an IPv6 address, a workload endpoint id
 * (`namespace/name`, as the evaluator names them; a workload from its manifest
 * `Kind/namespace/name`, or `namespace/name` when no pod and no other workload has that name), or
 * `hostendpoint:NAME` (`hep:NAME`): a host endpoint, at its expectedIPs. An unknown endpoint is a
 * usage error that lists a few known ones.
 */
/**
 * Whether `parseFlowEnd` reads `text` as an endpoint id (not an address or a host endpoint), so
 * that a model prepared for that id alone answers it (`PrepareOptions.endpoints`).
 */
export function namesEndpoint(text: string): boolean {
  return !/^(?:hostendpoint|hep):/i.test(text) && !/^\d+\.\d+\.\d+\.\d+$/.test(text) && !text.includes(":");
}

export function parseFlowEnd(flag: string, text: string, prepared: Prepared): ParsedEnd {
  const host = /^(?:hostendpoint|hep):(.*)$/i.exec(text);
  if (host) return parseHostEndpoint(flag, host[1]!, prepared);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(text) || text.includes(":")) {
    const address = parseAddress(text);
    if (!address) throw new UsageError(`--${flag} '${text}' is not a valid IP address`);
    return { end: { ip: address.text }, family: address.family };
  }
  const index = prepared.memberIndexById.get(text);
  if (index === undefined) {
    const workload = workloadNamed(text, prepared);
    if (workload !== undefined) return { end: { endpoint: workload } };
  }
  if (index === undefined || prepared.members[index]?.workload !== true) {
    const known = prepared.members.filter((m) => m.workload).map((m) => m.id);
    const hint = known.length === 0 ? "the input has no workload endpoints" : `known: ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", …" : ""}`;
    throw new UsageError(`--${flag}: unknown endpoint '${text}' (expected namespace/name or an IP address; ${hint})`);
  }
  return { end: { endpoint: text } };
}

/**
 * The id of the one workload (`Deployment/shop/web`, ...) that `namespace/name` names, if exactly
 * one does; an endpoint id that is a pod's is never one (the caller looks ids up first).
 */
function workloadNamed(text: string, prepared: Prepared): string | undefined {
  const found = prepared.members.filter((m) => m.kind === "Workload" && m.id.slice(m.id.indexOf("/") + 1) === text);
  return found.length === 1 ? found[0]!.id : undefined;
}

/** `hostendpoint:NAME`: the v3 HostEndpoint NAME, else the v1 one (the evaluator's member ids). */
function parseHostEndpoint(flag: string, name: string, prepared: Prepared): ParsedEnd {
  for (const id of [`HostEndpoint:${name}`, `V1HostEndpoint:${name}`]) {
    const index = prepared.memberIndexById.get(id);
    const member = index === undefined ? undefined : prepared.members[index];
    if (member?.host === undefined) continue;
    if (member.nets.length === 0) throw new UsageError(`--${flag}: host endpoint '${name}' has no expectedIPs, so no address to explain a flow with; give one of the node's addresses instead`);
    const families = new Set(member.nets.map((c) => c.family));
    return { end: { endpoint: id }, ...(families.size === 1 ? { family: [...families][0]! } : {}) };
  }
  const known = prepared.members.filter((m) => m.host !== undefined).map((m) => m.id.slice(m.id.indexOf(":") + 1));
  const hint = known.length === 0 ? "the input has no host endpoints" : `known: ${known.slice(0, 5).join(", ")}${known.length > 5 ? ", …" : ""}`;
  throw new UsageError(`--${flag}: unknown host endpoint '${name}' (${hint})`);
}
