/**
 * Plain-text rendering of a verdict, for `policyc explain` and test failure messages. Policies and
 * profiles are named as people know them (`displayNames.ts`).
 */
import { WORKLOAD_KINDS } from "../model/types.js";
import { policyName, profileName } from "./displayNames.js";
import type { NeighbourDiscovery } from "./neighbourDiscovery.js";
import type { DirectionResult, PeerInfo, Step, Verdict } from "./types.js";

/** A step that names a rule written in a file. */
export type WrittenStep = Extract<Step, { kind: "rule" | "profile" }> & { readonly file: string };

/** How a verdict's text says where things are written, and what it adds under a denied direction. */
export interface VerdictFormat {
  /** Where a step's rule is written: by default `file: path` (the rule's dotted path in its document). */
  readonly where?: (step: WrittenStep) => string;
  /** Lines after the steps of a direction that denied (explain: the policies isolating the endpoint). */
  readonly denied?: (direction: "egress" | "ingress", d: DirectionResult) => readonly string[];
}

const defaultWhere = (step: WrittenStep): string => `${step.file}: ${step.path ?? ""}`;

/**
 * An endpoint id as people read it: a workload's `Deployment/shop/web` is `Deployment shop/web`
 * (no namespace is named like a kind: namespaces are lower case); other ids as they are.
 */
export function endpointName(id: string): string {
  const slash = id.indexOf("/");
  const kind = id.slice(0, slash);
  return slash > 0 && (WORKLOAD_KINDS as readonly string[]).includes(kind) ? `${kind} ${id.slice(slash + 1)}` : id;
}

function describePeer(p: PeerInfo): string {
  if (p.ip === undefined) return `${endpointName(p.endpoint ?? "")} (a workload: its pods' addresses are not known)`;
  const what = [p.endpoint, ...p.others].filter((x) => x !== undefined);
  return what.length > 0 ? `${p.ip} (${what.join(", ")})` : `${p.ip} (unknown address)`;
}

/** One line for a step. */
export function formatStep(step: Step, where: (step: WrittenStep) => string = defaultWhere): string {
  switch (step.kind) {
    case "rule":
      return `tier ${step.tier}: ${policyName(step.policyKind, step.policy)} rule ${step.ruleIndex}${step.ruleName !== undefined ? ` "${step.ruleName}"` : ""} (${where(step)}) -> ${step.action}`;
    case "tier-default":
      return `tier ${step.tier}: no rule decided -> tier default action ${step.action}`;
    case "profile":
      return `${profileName(step.profile)} rule ${step.ruleIndex}${step.file !== undefined ? ` (${where({ ...step, file: step.file })})` : ""} -> ${step.action}${
        step.byPassMark ? " (not matched: the pass mark of an earlier Pass ends the profile)" : ""
      }`;
    case "no-profile-matched":
      return `no profile accepted the packet (profiles: ${step.profiles.length > 0 ? step.profiles.map(profileName).join(", ") : "none"}) -> drop`;
    case "encapsulated":
      return `a workload may not send ${step.what} packets (they could carry traffic past its egress policy) -> drop`;
  }
}

function formatDirection(name: "egress" | "ingress", d: DirectionResult, format: VerdictFormat): string[] {
  const lines = [`${name} at ${endpointName(d.endpoint)}: ${d.allowed ? "allow" : "deny"}`, ...d.steps.map((s) => `  ${formatStep(s, format.where)}`)];
  if (!d.allowed && format.denied) lines.push(...format.denied(name, d).map((l) => `  ${l}`));
  return lines;
}

function formatNeighbours(nd: NeighbourDiscovery): string[] {
  const lines = [`IPv6 neighbour discovery on ${nd.iface}: ${nd.ok ? "ok" : "blocked by host endpoint policy -> the flow fails"}`];
  for (const m of nd.messages) {
    const who = m.resolving === "next-hop" ? "the node resolves its next hop" : "the next hop resolves the node";
    lines.push(`  ${who}: ICMPv6 neighbour ${m.message} ${m.way} ${m.src} -> ${m.dst}: ${m.dropped ? "dropped" : "passes"}`);
    for (const h of m.results) {
      lines.push(`    host endpoint ${h.hostEndpoint} on ${h.iface} (${h.chain}): ${h.outcome}`);
      if (h.direction) lines.push(...h.direction.steps.map((s) => `      ${formatStep(s)}`));
    }
  }
  return lines;
}

/** The verdict and its path, one fact per line, ending with the overall verdict. */
export function formatVerdict(v: Verdict, format: VerdictFormat = {}): string {
  const lines = [`from ${describePeer(v.src)}`, `to   ${describePeer(v.dst)}`];
  if (!v.policed) lines.push("not policed on this node (neither end is a local workload endpoint)");
  if (v.hostEncapsulation) {
    const h = v.hostEncapsulation;
    lines.push(`${h.what} to the node: ${h.fromKnownNode ? "from a known node -> accept" : "not from a known node -> drop"} (before any endpoint policy)`);
  }
  if (v.egress) lines.push(...formatDirection("egress", v.egress, format));
  if (v.ingress) lines.push(...formatDirection("ingress", v.ingress, format));
  for (const h of v.host ?? []) {
    lines.push(`host endpoint ${h.hostEndpoint} on ${h.iface} (${h.chain}): ${h.outcome}`);
    if (h.direction) lines.push(...h.direction.steps.map((s) => `  ${formatStep(s, format.where)}`));
  }
  if (v.neighbourDiscovery) lines.push(...formatNeighbours(v.neighbourDiscovery));
  if (v.untracked) lines.push("untracked (doNotTrack): no conntrack entry, the reply is judged on its own");
  if (v.replyBlocked) lines.push("the reply is denied: the connection fails");
  if (v.endpointToHost) lines.push(`to the node itself: DefaultEndpointToHostAction ${v.endpointToHost}${v.endpointToHost === "Drop" ? " (denied)" : ""}`);
  lines.push(`verdict: ${v.allowed ? "allow" : "deny"}`);
  return lines.join("\n") + "\n";
}
