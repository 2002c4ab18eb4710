/**
 * Builds model rules from Calico v3 and v1 rule input. Building is lenient about values that a
 * semantic rule checks later (port numbers, protocol names, ICMP ranges), so each check lives in
 * one place; only what the model cannot represent (bad CIDRs, bad selectors) is reported here.
 */
import type { EntityRule, Port, Protocol, Rule, RuleAction } from "../../types.js";
import type { EntityRuleInput, RuleInput } from "../schemas/calicoRule.js";
import type { V1EntityRuleInput, V1RuleInput } from "../schemas/calicoV1.js";
import { note } from "../../../diagnostics/diagnostic.js";
import { at, buildCidrs, buildSelector, reportError, spanAt, type BuildContext } from "./context.js";

/** A port as written: digits are a port, `a:b` a range, anything else a port name. */
export function toPort(value: number | string): Port {
  if (typeof value === "number") return { kind: "range", first: value, last: value };
  const single = /^\d+$/.exec(value);
  if (single) return { kind: "range", first: Number(value), last: Number(value) };
  const range = /^(\d+):(\d+)$/.exec(value);
  if (range) return { kind: "range", first: Number(range[1]), last: Number(range[2]) };
  return { kind: "named", name: value };
}

/** A protocol as written; digit strings become numbers (numorstring.Protocol does the same). */
export function toProtocol(value: number | string | undefined): Protocol | undefined {
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  return value;
}

/** Calico v3 rules at `path` (`spec.ingress`). */
export function buildRules(ctx: BuildContext, rules: readonly RuleInput[] | undefined, path: string): Rule[] {
  return (rules ?? []).map((r, i) => buildRule(ctx, r, at(path, i)));
}

function buildRule(ctx: BuildContext, r: RuleInput, path: string): Rule {
  if (r.http !== undefined) {
    // Where Calico allows an HTTP match (libcalico-go/lib/validator/v3/validator.go,
    // `ruleUsesAppLayerPolicy` and the CEL rules on policy_common.go `Rule`).
    const httpAt = at(path, "http");
    if (/(^|\.)egress\.\d+$/.test(path)) reportError(ctx, "invalid-http-match", "HTTP matches are not allowed in egress rules", httpAt);
    if (r.action !== "Allow") reportError(ctx, "invalid-http-match", "an HTTP match needs action Allow", httpAt);
    if (r.protocol !== undefined && r.protocol !== "TCP" && r.protocol !== 6) reportError(ctx, "invalid-http-match", "an HTTP match needs protocol TCP (or none)", httpAt);
    // Felix's iptables and nftables rules ignore the HTTP match (felix/rules/policy.go renders
    // none; only Dikastes, the application-layer policy sidecar, reads it), so the rule is
    // compiled as if it were absent, as Felix does.
    ctx.diagnostics.push(
      note(
        "http-match",
        "the HTTP match is enforced only by application-layer policy (Dikastes); Felix's rules, and policyc's, match this rule on addresses and ports alone",
        spanAt(ctx, at(path, "http")),
      ),
    );
  }
  return {
    action: r.action,
    ...(r.ipVersion !== undefined ? { ipVersion: r.ipVersion } : {}),
    ...optionalProtocol("protocol", toProtocol(r.protocol)),
    ...optionalProtocol("notProtocol", toProtocol(r.notProtocol)),
    ...(r.icmp ? { icmp: { ...r.icmp } } : {}),
    ...(r.notICMP ? { notICMP: { ...r.notICMP } } : {}),
    source: buildEntity(ctx, r.source, at(path, "source")),
    destination: buildEntity(ctx, r.destination, at(path, "destination")),
    path,
  };
}

function buildEntity(ctx: BuildContext, e: EntityRuleInput | undefined, path: string): EntityRule {
  if (!e) return emptyEntity();
  const selector = buildSelector(ctx, e.selector, at(path, "selector"));
  const notSelector = buildSelector(ctx, e.notSelector, at(path, "notSelector"));
  const namespaceSelector = buildSelector(ctx, e.namespaceSelector, at(path, "namespaceSelector"));
  const sa = e.serviceAccounts;
  const saSelector = sa ? buildSelector(ctx, sa.selector, at(path, "serviceAccounts.selector")) : undefined;
  return {
    nets: buildCidrs(ctx, e.nets, at(path, "nets")),
    notNets: buildCidrs(ctx, e.notNets, at(path, "notNets")),
    ...(selector ? { selector } : {}),
    ...(notSelector ? { notSelector } : {}),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    ...(sa ? { serviceAccounts: { names: [...(sa.names ?? [])], ...(saSelector ? { selector: saSelector } : {}) } } : {}),
    ports: (e.ports ?? []).map(toPort),
    notPorts: (e.notPorts ?? []).map(toPort),
    ...(e.services ? { services: { name: e.services.name, namespace: e.services.namespace ?? "" } } : {}),
  };
}

/** v1 rules at `path`, normalized into the v3 shape. */
export function buildV1Rules(ctx: BuildContext, rules: readonly V1RuleInput[] | undefined, path: string): Rule[] {
  return (rules ?? []).map((r, i) => buildV1Rule(ctx, r, at(path, i)));
}

const v1Actions: Readonly<Record<V1RuleInput["action"], RuleAction>> = {
  allow: "Allow",
  deny: "Deny",
  log: "Log",
  pass: "Pass",
  "next-tier": "Pass",
};

/** v1 protocol names (lower case in calicoctl v1) to their v3 spelling. */
const v1Protocols: Readonly<Record<string, string>> = {
  tcp: "TCP",
  udp: "UDP",
  icmp: "ICMP",
  icmpv6: "ICMPv6",
  sctp: "SCTP",
  udplite: "UDPLite",
};

function v1Protocol(value: number | string | undefined): Protocol | undefined {
  const p = toProtocol(value);
  return typeof p === "string" ? (v1Protocols[p] ?? p) : p;
}

function buildV1Rule(ctx: BuildContext, r: V1RuleInput, path: string): Rule {
  return {
    action: v1Actions[r.action],
    ...(r.ipVersion !== undefined ? { ipVersion: r.ipVersion } : {}),
    ...optionalProtocol("protocol", v1Protocol(r.protocol)),
    ...optionalProtocol("notProtocol", v1Protocol(r.notProtocol)),
    ...(r.icmp ? { icmp: { ...r.icmp } } : {}),
    ...(r.notICMP ? { notICMP: { ...r.notICMP } } : {}),
    source: buildV1Entity(ctx, r.source, at(path, "source")),
    destination: buildV1Entity(ctx, r.destination, at(path, "destination")),
    path,
  };
}

function buildV1Entity(ctx: BuildContext, e: V1EntityRuleInput | undefined, path: string): EntityRule {
  if (!e) return emptyEntity();
  const selector = buildSelector(ctx, e.selector, at(path, "selector"), "v1");
  const notSelector = buildSelector(ctx, e.notSelector, at(path, "notSelector"), "v1");
  // `net` and `nets` (and `notNet`/`notNets`) are alternatives in v1; the model has the lists.
  const nets = [
    ...(e.net !== undefined ? buildCidrs(ctx, [e.net], at(path, "net")) : []),
    ...buildCidrs(ctx, e.nets, at(path, "nets")),
  ];
  const notNets = [
    ...(e.notNet !== undefined ? buildCidrs(ctx, [e.notNet], at(path, "notNet")) : []),
    ...buildCidrs(ctx, e.notNets, at(path, "notNets")),
  ];
  return {
    nets,
    notNets,
    ...(selector ? { selector } : {}),
    ...(notSelector ? { notSelector } : {}),
    ports: (e.ports ?? []).map(toPort),
    notPorts: (e.notPorts ?? []).map(toPort),
    ...(e.tag !== undefined ? { tag: e.tag } : {}),
    ...(e.notTag !== undefined ? { notTag: e.notTag } : {}),
  };
}

function emptyEntity(): EntityRule {
  return { nets: [], notNets: [], ports: [], notPorts: [] };
}

function optionalProtocol<K extends "protocol" | "notProtocol">(key: K, p: Protocol | undefined): Partial<Record<K, Protocol>> {
  return p === undefined ? {} : ({ [key]: p } as Partial<Record<K, Protocol>>);
}
