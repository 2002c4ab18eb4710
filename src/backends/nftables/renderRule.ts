/**
 * One IR rule to nft rule text: `<matches> counter <verdict> comment "cali:<hash>;<comments>"`.
 *
 * Matches are ordered like the iptables backend's (interfaces, protocol, then source, then
 * destination, ICMP, then marks and conntrack state), which also puts `meta l4proto` before the
 * `th` port and ICMP matches that depend on it. Every rule gets `counter` before its verdict, as
 * Felix's nft rules do; a rule without a verdict (`none`) is just `counter`, since nft needs at
 * least one statement.
 *
 * Hash layout (Felix's nft rule hash, see ruleHashes in the iptables backend): the chained
 * SHA-224 seeded with the nft chain name, over each rule's text as written but without its
 * comment, followed, only when the rule has human comments, by ` comment "<those comments>"`.
 * So `counter drop` in `filter-FORWARD` hashes to `DCGauXoHP5A9-AIO` as in Felix's tests, and
 * a changed human comment still changes the hash. The comment is `cali:<hash>;` plus the human
 * comments joined by `;`, cut to nft's 128 bytes.
 */
import { PROTOCOL_NAMES, type RenderContext } from "../renderContext.js";
import { orderMatches } from "../orderMatches.js";
import type { Action, Family, Match, Rule } from "../../compiler/ir/types.js";
import { escapeComment, ruleHashes } from "../iptables/index.js";
import { addressExpression, portsExpression } from "./elements.js";
import { MAX_COMMENT_LENGTH, MAX_IFACE_NAME_LENGTH, MAX_LOG_PREFIX_LENGTH } from "./limits.js";
import { NftRule } from "./objects.js";

export type { RenderContext } from "../renderContext.js";

/** Conntrack state keywords of nft's `ct state` (nft(8), CONNTRACK EXPRESSIONS). */
const CT_STATES: Readonly<Record<string, string>> = {
  NEW: "new", ESTABLISHED: "established", RELATED: "related", INVALID: "invalid", UNTRACKED: "untracked",
};

function internal(message: string): Error {
  return new Error(`internal error (nftables backend): ${message}`);
}

/** `0x10000`; marks are unsigned 32-bit. */
export function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

function relation(negate: boolean): string {
  return negate ? "!= " : "";
}

function setName(ctx: RenderContext, id: string, type: "net" | "addrPort"): string {
  const name = ctx.setNames.get(id);
  if (name === undefined) throw internal(`rule refers to unknown IPv${ctx.family} set ${id}`);
  if (ctx.setTypes.get(id) !== type) throw internal(`set ${id} is not a ${type} set`);
  return name;
}

/**
 * An interface name as a quoted nft string: `"cali1234"`, or `"cali*"` for a prefix (nft's
 * wildcard, nft(8) META EXPRESSIONS). Names are checked rather than escaped: a quote, backslash
 * or `*` inside a real interface name would change what the string means.
 */
export function ifaceString(name: string, prefix: boolean): string {
  if (name.length > MAX_IFACE_NAME_LENGTH || !/^[\w.@:+-]*$/.test(name) || (!prefix && name === "")) {
    throw internal(`bad interface name ${JSON.stringify(name)}`);
  }
  return `"${name}${prefix ? "*" : ""}"`;
}

function addressKeyword(family: Family): string {
  return family === 4 ? "ip" : "ip6";
}

/** One match as nft expression text. */
export function renderMatch(match: Match, ctx: RenderContext): string {
  const ip = addressKeyword(ctx.family);
  switch (match.kind) {
    case "protocol":
      return `meta l4proto ${relation(match.negate)}${PROTOCOL_NAMES[match.protocol] ?? match.protocol}`;
    case "addr":
      return `${ip} ${match.dir === "src" ? "saddr" : "daddr"} ${relation(match.negate)}${addressExpression(match.cidrs, ctx.family)}`;
    case "set":
      return `${ip} ${match.dir === "src" ? "saddr" : "daddr"} ${relation(match.negate)}@${setName(ctx, match.set, "net")}`;
    case "addrPortSet":
      return `${ip} ${match.dir === "src" ? "saddr" : "daddr"} . meta l4proto . th ${match.dir === "src" ? "sport" : "dport"} ${relation(match.negate)}@${setName(ctx, match.set, "addrPort")}`;
    case "ports":
      return `th ${match.dir === "src" ? "sport" : "dport"} ${relation(match.negate)}${portsExpression(match.ranges)}`;
    case "icmp": {
      const icmp = ctx.family === 4 ? "icmp" : "icmpv6";
      if (match.code === undefined) return `${icmp} type ${relation(match.negate)}${match.type}`;
      // NOT (type AND code) needs one comparison of the pair; nft compares a concatenation
      // only against a set ("Use concatenations with sets and maps, not singleton values").
      if (match.negate) return `${icmp} type . ${icmp} code != { ${match.type} . ${match.code} }`;
      return `${icmp} type ${match.type} ${icmp} code ${match.code}`;
    }
    case "iface":
      return `${match.dir === "in" ? "iifname" : "oifname"} ${relation(match.negate)}${ifaceString(match.name, match.prefix)}`;
    case "mark":
      return `meta mark & ${hex(match.mask)} ${match.negate ? "!=" : "=="} ${hex(match.value)}`;
    case "ctstate": {
      if (match.states.length === 0) throw internal("a ctstate match needs at least one state");
      // DNAT is a conntrack status bit in nft, not a state (felix/nftables/match_builder.go `NotConntrackStatus`).
      if (match.states.includes("DNAT")) {
        if (match.states.length > 1) throw internal("a DNAT match cannot be combined with other states");
        return `ct status ${relation(match.negate === true)}dnat`;
      }
      return `ct state ${relation(match.negate === true)}${match.states.map((s) => CT_STATES[s] ?? s.toLowerCase()).join(",")}`;
    }
    case "addrType":
      // Felix's `DestAddrType`/`SrcAddrType` (felix/nftables/match_builder.go).
      return `fib ${match.dir === "src" ? "saddr" : "daddr"} type ${match.negate ? "!= " : ""}${match.type.toLowerCase()}`;
  }
}

/** All matches of a rule in a stable order, joined by spaces. */
export function renderMatches(matches: readonly Match[], ctx: RenderContext): string {
  return orderMatches(matches)
    .map((match) => renderMatch(match, ctx))
    .join(" ");
}

function chainName(ctx: RenderContext, logical: string): string {
  const name = ctx.chainNames.get(logical);
  if (name === undefined) throw internal(`rule jumps to ${logical}, which is not a chain of this table`);
  return name;
}

/**
 * `mark = (mark & ~mask) | value` as nft's `meta mark set` (nft(8), META STATEMENT), in its
 * shortest form: a plain value when the mask is all ones, a bare OR when it only sets bits, a
 * bare AND when it only clears bits.
 */
export function renderSetMark(value: number, mask: number): string {
  const keep = ~mask >>> 0;
  if (keep === 0) return `meta mark set ${hex(value)}`;
  if ((value >>> 0) === 0) return `meta mark set meta mark & ${hex(keep)}`;
  if ((value >>> 0) === (mask >>> 0)) return `meta mark set meta mark | ${hex(value)}`;
  return `meta mark set meta mark & ${hex(keep)} | ${hex(value)}`;
}

/** Free text for a double-quoted nft string: iptables' safe character set, cut to `max` bytes. */
export function nftText(text: string, max: number): string {
  return escapeComment(text).slice(0, max);
}

/** The statements after `counter`: a verdict, a mark or log statement, or nothing. */
export function renderAction(action: Action, ctx: RenderContext): string {
  switch (action.kind) {
    case "accept":
      return "accept";
    case "drop":
      return "drop";
    case "return":
      return "return";
    case "jump":
      return `jump ${chainName(ctx, action.chain)}`;
    case "goto":
      return `goto ${chainName(ctx, action.chain)}`;
    case "setMark":
      return renderSetMark(action.value, action.mask);
    case "log":
      // Level notice (5), as Felix's `--log-level 5`.
      return `log prefix "${nftText(action.prefix, MAX_LOG_PREFIX_LENGTH)}" level notice`;
    case "notrack":
      return "notrack";
    case "none":
      return "";
    case "masquerade":
      // Felix's MasqAction where the kernel supports fully random ports (felix/nftables/actions.go).
      return "masquerade fully-random";
  }
}

/** A rule before hashing: its text without the comment, and its human comments (escaped). */
export interface BareRule {
  readonly text: string;
  readonly comments: readonly string[];
}

/** The rule text without comment: matches, `counter`, action. */
export function renderBareRule(rule: Rule, ctx: RenderContext): BareRule {
  const text = [renderMatches(rule.matches, ctx), "counter", renderAction(rule.action, ctx)].filter((p) => p !== "").join(" ");
  return { text, comments: rule.comments.map((c) => nftText(c, MAX_COMMENT_LENGTH)).filter((c) => c !== "") };
}

/** `cali:` + hash + `;` */
const HASH_COMMENT_LENGTH = "cali:".length + 16 + 1;

/** The human part of the comment, cut so that `cali:<hash>;` + it fits in 128 bytes. */
function humanComment(rule: BareRule): string {
  return rule.comments.join(";").slice(0, MAX_COMMENT_LENGTH - HASH_COMMENT_LENGTH);
}

/** What is hashed for a rule (see the module comment). */
export function hashText(rule: BareRule): string {
  const human = humanComment(rule);
  return human === "" ? rule.text : `${rule.text} comment "${human}"`;
}

/**
 * A chain's rules hashed (`seed` is the chain name) as rule objects: the text without comment,
 * and the comment `cali:<hash>;` + the human comments. `sources[i]` is what rule i renders.
 */
export function hashRules(seed: string, rules: readonly BareRule[], sources: readonly number[]): NftRule[] {
  const hashes = ruleHashes(seed, rules.map(hashText));
  return rules.map((rule, i) => {
    const hash = hashes[i] ?? "";
    return new NftRule(rule.text, `cali:${hash};${humanComment(rule)}`, hash, sources[i] ?? -1);
  });
}
