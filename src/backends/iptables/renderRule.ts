/**
 * One IR rule to one iptables-restore line, in Felix's layout:
 * `-A <chain> -m comment --comment "cali:<hash>" [-m comment --comment "<text>"]… <match> <action>`.
 *
 * Matches are written in the order of Felix's `CalculateRuleMatch` (interfaces first, then the
 * positive policy matches: protocol, source address, source sets, source ports, source named-port
 * sets, the same for the destination, ICMP; then the negated ones in the same order; marks and
 * conntrack state last). The sort is stable, so several matches of one kind (ANDed sets, several
 * negated port lists) keep the IR's order. A second address match in one direction is written as
 * `-m iprange` (see `extraAddressMatches`). Broken IR invariants (a multi-CIDR address match, a
 * negated catch-all, two protocol or same-direction interface matches, an unknown chain or set,
 * more than 15 multiport slots) are internal errors and throw.
 */
import { PROTOCOL_NAMES, type RenderContext } from "../renderContext.js";
import { orderMatches } from "../orderMatches.js";
import type { Action, Match, PortRange, Rule } from "../../compiler/ir/types.js";
import { cidrRange } from "./cidrRange.js";
import { escapeComment, escapeLogPrefix } from "./escapeComment.js";
import { LOG_LEVEL, MAX_IFACE_NAME_LENGTH, MAX_MULTIPORT_SLOTS } from "./limits.js";
import { HASH_PLACEHOLDER, ruleHashes } from "./ruleHash.js";

export type { RenderContext } from "../renderContext.js";

/** `0x1a/0xff`-style hex, as Felix's `%#x`; masks are unsigned 32-bit. */
function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** Felix writes a clear-bit match as `0/<mask>`. */
function markMatchValue(value: number, mask: number): string {
  return `${value === 0 ? "0" : hex(value)}/${hex(mask)}`;
}

function not(negate: boolean): string {
  return negate ? "! " : "";
}

function internal(message: string): Error {
  return new Error(`internal error (iptables backend): ${message}`);
}

/** `a:b,c` for multiport, after checking the 15-slot limit (a range costs two slots). */
export function renderPortList(ranges: readonly PortRange[]): string {
  const slots = ranges.reduce((sum, r) => sum + (r.first === r.last ? 1 : 2), 0);
  if (ranges.length === 0 || slots > MAX_MULTIPORT_SLOTS) {
    throw internal(`a ports match needs 1 to ${MAX_MULTIPORT_SLOTS} multiport slots, got ${slots}`);
  }
  return ranges.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}:${r.last}`)).join(",");
}

function setName(ctx: RenderContext, id: string, type: "net" | "addrPort"): string {
  const name = ctx.setNames.get(id);
  if (name === undefined) throw internal(`rule refers to unknown IPv${ctx.family} set ${id}`);
  if (ctx.setTypes.get(id) !== type) throw internal(`set ${id} is not a ${type} set`);
  return name;
}

function ifaceName(match: Extract<Match, { kind: "iface" }>): string {
  if (match.name.length > MAX_IFACE_NAME_LENGTH || !/^[^\s"'\\/]*$/.test(match.name) || (!match.prefix && match.name === "")) {
    throw internal(`bad interface name ${JSON.stringify(match.name)}`);
  }
  return match.prefix ? `${match.name}+` : match.name;
}

/** One match as iptables arguments. */
export function renderMatch(match: Match, ctx: RenderContext): string {
  switch (match.kind) {
    case "protocol":
      return `${not(match.negate)}-p ${PROTOCOL_NAMES[match.protocol] ?? match.protocol}`;
    case "addr": {
      const [cidr, ...rest] = match.cidrs;
      if (cidr === undefined || rest.length > 0) throw internal(`an address match must carry exactly one CIDR, got ${match.cidrs.length}`);
      if (cidr.endsWith("/0")) {
        // `! -s 0.0.0.0/0` never matches and iptables-nft 1.8.9 rejects it (RULE_APPEND: Invalid
        // argument); the IR drops such rules, as Felix does. A positive /0 matches everything,
        // and iptables stores it as no match at all, so it is left out.
        if (match.negate) throw internal(`a negated catch-all ${cidr} matches nothing; the IR must drop the rule`);
        return "";
      }
      return `${not(match.negate)}--${match.dir === "src" ? "source" : "destination"} ${cidr}`;
    }
    case "set":
      return `-m set ${not(match.negate)}--match-set ${setName(ctx, match.set, "net")} ${match.dir}`;
    case "addrPortSet":
      return `-m set ${not(match.negate)}--match-set ${setName(ctx, match.set, "addrPort")} ${match.dir},${match.dir}`;
    case "ports":
      return `-m multiport ${not(match.negate)}--${match.dir === "src" ? "source" : "destination"}-ports ${renderPortList(match.ranges)}`;
    case "icmp": {
      const typeCode = match.code === undefined ? `${match.type}` : `${match.type}/${match.code}`;
      return ctx.family === 4
        ? `-m icmp ${not(match.negate)}--icmp-type ${typeCode}`
        : `-m icmp6 ${not(match.negate)}--icmpv6-type ${typeCode}`;
    }
    case "iface":
      return `${not(match.negate)}-${match.dir === "in" ? "i" : "o"} ${ifaceName(match)}`;
    case "mark":
      return `-m mark ${not(match.negate)}--mark ${markMatchValue(match.value, match.mask)}`;
    case "ctstate":
      if (match.states.length === 0) throw internal("a ctstate match needs at least one state");
      return `-m conntrack ${match.negate ? "! " : ""}--ctstate ${match.states.join(",")}`;
    case "addrType":
      // Felix's `DestAddrType`/`SrcAddrType` (felix/iptables/match_builder.go).
      return `-m addrtype ${not(match.negate)}--${match.dir}-type ${match.type}`;
  }
}

/**
 * iptables takes each of `-p`, `-i`, `-o` at most once per rule ("multiple -i flags not
 * allowed"), negated or not; a rule needing more is an IR bug.
 */
function singletonKey(match: Match): string | undefined {
  switch (match.kind) {
    case "protocol":
      return "-p";
    case "iface":
      return match.dir === "in" ? "-i" : "-o";
    default:
      return undefined;
  }
}

/**
 * `-s` and `-d` may also appear only once per rule, but an IR rule can AND several single-CIDR
 * address matches in one direction (Kubernetes ipBlock `cidr` + `except`: `-d 10.0.0.0/8` and
 * not `10.0.1.0/24`). The first positive one (else the first) stays `--source`/`--destination`,
 * as Felix keeps one CIDR inline; the others become the equivalent `-m iprange [!]
 * --src-range/--dst-range first-last`, which is exact because a CIDR is a contiguous range.
 */
function extraAddressMatches(matches: readonly Match[]): Set<Match> {
  const extra = new Set<Match>();
  for (const dir of ["src", "dst"] as const) {
    const addrs = matches.filter((m) => m.kind === "addr" && m.dir === dir);
    const inline = addrs.find((m) => m.kind === "addr" && !m.negate) ?? addrs[0];
    for (const m of addrs) if (m !== inline) extra.add(m);
  }
  return extra;
}

function renderAddressRange(match: Extract<Match, { kind: "addr" }>): string {
  const [cidr, ...rest] = match.cidrs;
  if (cidr === undefined || rest.length > 0) throw internal(`an address match must carry exactly one CIDR, got ${match.cidrs.length}`);
  if (cidr.endsWith("/0")) {
    if (match.negate) throw internal(`a negated catch-all ${cidr} matches nothing; the IR must drop the rule`);
    return "";
  }
  return `-m iprange ${not(match.negate)}--${match.dir}-range ${cidrRange(cidr)}`;
}

/** All matches of a rule, in Felix's order, joined. */
export function renderMatches(matches: readonly Match[], ctx: RenderContext): string {
  const seen = new Set<string>();
  for (const match of matches) {
    const key = singletonKey(match);
    if (key === undefined) continue;
    if (seen.has(key)) throw internal(`a rule may have only one ${key} match (protocol, interface per direction)`);
    seen.add(key);
  }
  const extra = extraAddressMatches(matches);
  return orderMatches(matches)
    .map((match) => (match.kind === "addr" && extra.has(match) ? renderAddressRange(match) : renderMatch(match, ctx)))
    .filter((text) => text !== "")
    .join(" ");
}

function chainName(ctx: RenderContext, logical: string): string {
  const name = ctx.chainNames.get(logical);
  if (name === undefined) throw internal(`rule jumps to ${logical}, which is not a chain of this table`);
  return name;
}

/** An action as iptables arguments; `none` is the empty string. */
export function renderAction(action: Action, ctx: RenderContext): string {
  switch (action.kind) {
    case "accept":
      return "--jump ACCEPT";
    case "drop":
      return "--jump DROP";
    case "return":
      return "--jump RETURN";
    case "jump":
      return `--jump ${chainName(ctx, action.chain)}`;
    case "goto":
      return `--goto ${chainName(ctx, action.chain)}`;
    case "setMark":
      return `--jump MARK --set-mark ${hex(action.value)}/${hex(action.mask)}`;
    case "log": {
      // libxt_LOG rejects an empty `--log-prefix ""` (minimum length 1), so leave it out.
      const prefix = escapeLogPrefix(action.prefix);
      return prefix === "" ? `--jump LOG --log-level ${LOG_LEVEL}` : `--jump LOG --log-prefix "${prefix}" --log-level ${LOG_LEVEL}`;
    }
    case "notrack":
      return "--jump NOTRACK";
    case "none":
      return "";
    case "masquerade":
      // Felix's MasqAction where the kernel supports fully random ports (felix/iptables/actions.go).
      return "--jump MASQUERADE --random-fully";
  }
}

/** `-m comment --comment "<text>"`; `text` must already be escaped. */
export function commentFragment(text: string): string {
  return `-m comment --comment "${text}"`;
}

/** A rule split into the fragments that follow `-A <chain>` (hash comment not included). */
export interface RenderedRule {
  readonly comments: readonly string[];
  readonly match: string;
  readonly action: string;
}

/** Renders a rule's human comments, matches and action. */
export function renderRuleParts(rule: Rule, ctx: RenderContext): RenderedRule {
  const comments = rule.comments.map(escapeComment).filter((c) => c !== "").map(commentFragment);
  return { comments, match: renderMatches(rule.matches, ctx), action: renderAction(rule.action, ctx) };
}

function join(fragments: readonly string[]): string {
  return fragments.filter((f) => f !== "").join(" ");
}

/** A rule's human comments, match and action as they follow the hash comment (may be empty). */
export function ruleBody(rule: RenderedRule): string {
  return join([...rule.comments, rule.match, rule.action]);
}

/** The comment that carries a rule's hash, `-m comment --comment "cali:<hash>"`. */
export function hashComment(hash: string): string {
  return commentFragment(`cali:${hash}`);
}

/**
 * Felix's `renderForHash`: `-A <chain> HASH <comments…> <match> <action>`, single spaces, empty
 * parts left out. Each human comment appears exactly as in the output line
 * (`-m comment --comment "<escaped>"`), so the hash covers what the kernel stores.
 */
export function renderForHash(chain: string, rule: RenderedRule): string {
  return join(["-A", chain, HASH_PLACEHOLDER, ruleBody(rule)]);
}

/**
 * A chain's rules hashed (Felix's chained hashes, `seed` the chain name, or the kernel chain for
 * hooks) and written as iptables-restore takes them after `-A <chain> ` / `-I <chain> <n> `:
 * `{ hash, spec }` with spec the hash comment followed by the body. `chain` is what `-A` names
 * in the text that is hashed.
 */
export function hashRules(seed: string, chain: string, rules: readonly RenderedRule[]): { readonly hash: string; readonly spec: string }[] {
  const hashes = ruleHashes(seed, rules.map((r) => renderForHash(chain, r)));
  return rules.map((rule, i) => {
    const hash = hashes[i] ?? "";
    return { hash, spec: join([hashComment(hash), ruleBody(rule)]) };
  });
}
