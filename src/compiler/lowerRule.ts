/**
 * One Calico rule to IR rules for one IP family, as Felix renders it (felix/rules/policy.go):
 * IP-version filtering, match order, and the action pattern (set a mark bit, then
 * return/drop on it).
 */
import type { EntityRule, Rule as CalicoRule, Selector } from "../model/types.js";
import type { Family, Match, MarkBits, PortRange, Rule } from "./ir/types.js";
import { DROP, markSet, RETURN, rule, setBits } from "./ir/build.js";
import type { PortProtocol, SetRegistry } from "./setBuilder.js";
import { entitySelectors } from "./selectors/effectiveSelector.js";
import { ALL } from "./selectors/selectorOps.js";
import { protocolNumber } from "../calico/index.js";


const PORT_PROTOCOLS: Readonly<Record<number, PortProtocol>> = { 6: "tcp", 17: "udp", 132: "sctp" };

/** Where the rule lives, for scoping and diagnostics. */
export interface RuleContext {
  /** Policy namespace for namespaced kinds; undefined for global ones and profiles. */
  readonly namespace: string | undefined;
  readonly family: Family;
  readonly marks: MarkBits;
  /** The prefix of Log rules, `%` specifiers already replaced (see `logPrefixFor`); Felix's default when absent. */
  readonly logPrefix?: string;
  readonly sets: SetRegistry;
  /** Called for each named-port set a rule uses (to report ports that resolve nowhere). */
  readonly onNamedPort?: (setId: string, portName: string, rule: CalicoRule) => void;
  /** Called for each service a rule matches (to report services with no EndpointSlice). */
  readonly onService?: (service: string, side: "source" | "destination", rule: CalicoRule) => void;
}

const isV6 = (cidr: string): boolean => cidr.includes(":");

/**
 * Felix's FilterRuleToIPVersion on one CIDR list: the family's CIDRs, or null when filtering
 * emptied a non-empty list (the rule then does not exist in this family).
 */
function filterNets(nets: readonly string[], family: Family): readonly string[] | null {
  if (nets.length === 0) return nets;
  const kept = nets.filter((n) => isV6(n) === (family === 6));
  return nets.length > 0 && kept.length === 0 ? null : kept;
}

/** One way the side of a rule can match: a conjunction of matches. */
type Alternative = readonly Match[];

type Ports = EntityRule["ports"];

function numericPorts(list: Ports): PortRange[] {
  const out: PortRange[] = [];
  for (const p of list) if (p.kind === "range") out.push({ first: p.first, last: p.last });
  return out;
}

function namedPorts(list: Ports): string[] {
  const out: string[] = [];
  for (const p of list) if (p.kind === "named") out.push(p.name);
  return out;
}

function namedPortSetId(positive: Selector | undefined, portProto: PortProtocol | undefined, name: string, rule: CalicoRule, ctx: RuleContext): string {
  const set = ctx.sets.namedPortSet(positive ?? ALL, portProto, name, ctx.family);
  ctx.onNamedPort?.(set.id, name, rule);
  return set.id;
}

function lowerSide(entity: EntityRule, dir: "src" | "dst", protocol: number | undefined, rule: CalicoRule, ctx: RuleContext): { alternatives: Alternative[]; negated: Match[] } | null {
  const nets = filterNets(entity.nets, ctx.family);
  const notNets = filterNets(entity.notNets, ctx.family);
  if (nets === null || notNets === null) return null;
  // A negated catch-all matches no packet at all.
  for (const n of notNets) if (n === "0.0.0.0/0" || n === "::/0") return null;

  const sel = entitySelectors(entity, ctx.namespace);
  const portProto = protocol !== undefined ? PORT_PROTOCOLS[protocol] : undefined;
  const base: Match[] = [];
  if (nets.length > 0) base.push({ kind: "addr", dir, cidrs: nets, negate: false });
  if (entity.services) {
    // Felix's service sets: a source service is a set of addresses, a destination service a set
    // of address-port pairs (felix/calc/rule_scanner.go). The namespace is used as written.
    const service = `${entity.services.namespace}/${entity.services.name}`;
    ctx.onService?.(service, dir === "src" ? "source" : "destination", rule);
    const set = ctx.sets.serviceSet(service, dir === "dst", ctx.family);
    base.push(dir === "dst" ? { kind: "addrPortSet", dir, set: set.id, negate: false } : { kind: "set", dir, set: set.id, negate: false });
  }
  const positiveSet: Match[] = sel.positive ? [{ kind: "set", dir, set: ctx.sets.selectorSet(sel.positive, ctx.family).id, negate: false }] : [];

  const alternatives: Alternative[] = [];
  if (entity.ports.length === 0) {
    alternatives.push([...base, ...positiveSet]);
  } else {
    // Numeric ports and each named port are alternatives (an OR, which a rule cannot express).
    // A named-port set already holds only the selected endpoints, so it replaces the selector set.
    const ranges = numericPorts(entity.ports);
    if (ranges.length > 0) alternatives.push([...base, ...positiveSet, { kind: "ports", dir, ranges, negate: false }]);
    for (const name of namedPorts(entity.ports)) {
      alternatives.push([...base, { kind: "addrPortSet", dir, set: namedPortSetId(sel.positive, portProto, name, rule, ctx), negate: false }]);
    }
  }

  const negated: Match[] = [];
  if (notNets.length > 0) negated.push({ kind: "addr", dir, cidrs: notNets, negate: true });
  for (const n of sel.negatives) negated.push({ kind: "set", dir, set: ctx.sets.selectorSet(n, ctx.family).id, negate: true });
  const notRanges = numericPorts(entity.notPorts);
  if (notRanges.length > 0) negated.push({ kind: "ports", dir, ranges: notRanges, negate: true });
  for (const name of namedPorts(entity.notPorts)) {
    negated.push({ kind: "addrPortSet", dir, set: namedPortSetId(sel.positive, portProto, name, rule, ctx), negate: true });
  }
  return { alternatives, negated };
}

/**
 * Lowers one Calico rule for `ctx.family`. Returns [] when the rule does not exist in this
 * family. Several alternatives (numeric and named ports) become several match rules that each
 * set the verdict mark, followed by one rule acting on the mark, so overlapping alternatives are
 * harmless for Allow/Deny/Pass; a Log rule logs once per matching alternative.
 */
export function lowerRule(r: CalicoRule, ctx: RuleContext): Rule[] {
  if (r.ipVersion !== undefined && r.ipVersion !== ctx.family) return [];
  const protocol = r.protocol !== undefined ? protocolNumber(r.protocol) : undefined;
  const notProtocol = r.notProtocol !== undefined ? protocolNumber(r.notProtocol) : undefined;
  // ICMP exists only in IPv4, ICMPv6 only in IPv6. Felix's calculation graph gives a rule with
  // ICMP / ICMPv6 by name that IP version (felix/calc/rule_convert.go `ipVersionToProtoIPVersion`),
  // so the other family does not render it; a protocol number (1, 58) leaves the rule in both
  // families, matching nothing in the other one.
  const icmpElsewhere = (protocol === 1 && ctx.family === 6) || (protocol === 58 && ctx.family === 4);
  if (icmpElsewhere && typeof r.protocol === "string") return [];
  // Beside a protocol, notProtocol is implied (another protocol) or contradicts it (the same),
  // so it is folded here: a rule may carry one protocol match only (iptables refuses a second
  // `-p`, "multiple -p flags not allowed", which is what felix/rules/policy.go would emit).
  // A rendered rule that can match nothing keeps its action's mark check below: with the pass
  // mark already set, a Pass rule's "return" acts unmatched (felix/rules/endpoints.go clears the
  // pass mark only at the start of a tier, so it reaches the profiles).
  const never = icmpElsewhere || (protocol !== undefined && notProtocol === protocol);

  const src = lowerSide(r.source, "src", protocol, r, ctx);
  const dst = lowerSide(r.destination, "dst", protocol, r, ctx);
  if (!src || !dst) return [];

  const head: Match[] = protocol !== undefined ? [{ kind: "protocol", protocol, negate: false }] : [];
  const tail: Match[] = [];
  if (r.icmp?.type !== undefined) tail.push({ kind: "icmp", type: r.icmp.type, ...(r.icmp.code !== undefined ? { code: r.icmp.code } : {}), negate: false });
  if (notProtocol !== undefined && protocol === undefined) tail.push({ kind: "protocol", protocol: notProtocol, negate: true });
  tail.push(...src.negated, ...dst.negated);
  if (r.notICMP?.type !== undefined) tail.push({ kind: "icmp", type: r.notICMP.type, ...(r.notICMP.code !== undefined ? { code: r.notICMP.code } : {}), negate: true });

  const matchLists: Match[][] = [];
  if (!never) for (const s of src.alternatives) for (const d of dst.alternatives) matchLists.push([...head, ...s, ...d, ...tail]);

  const { marks } = ctx;
  switch (r.action) {
    case "Log":
      return matchLists.map((m) => rule(m, { kind: "log", prefix: `${ctx.logPrefix ?? "calico-packet"}: ` }));
    case "Allow":
      return [...matchLists.map((m) => rule(m, setBits(marks.accept))), rule([markSet(marks.accept)], RETURN)];
    case "Pass":
      return [...matchLists.map((m) => rule(m, setBits(marks.pass))), rule([markSet(marks.pass)], RETURN)];
    case "Deny":
      return [...matchLists.map((m) => rule(m, setBits(marks.drop))), rule([markSet(marks.drop)], DROP)];
  }
}
