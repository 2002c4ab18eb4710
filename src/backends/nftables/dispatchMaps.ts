/**
 * Finds Felix-style interface dispatch chains in a table and flattens each into a verdict map.
 *
 * The shape (the compiler's felixLayout/dispatch.ts, Felix's dispatch.go): a root chain of rules
 * `iface <dir> NAME → goto T` (exact) and `iface <dir> PREFIX* → goto CHILD`, ending with one
 * rule without matches whose action is drop, accept or return (Felix: the "Unknown interface"
 * drop). Each child holds only exact gotos plus the same final rule and is referenced by nothing
 * but its prefix rule. Such a tree is equivalent to `iifname vmap @map` (`oifname` for `out`)
 * followed by the final rule, with one `name : goto T` element per reachable interface: the
 * lookup costs the same for 2 or 20,000 endpoints, where the chain walk grew with them.
 *
 * Anything else renders rule by rule. The flattening is refused (and the chains kept) whenever
 * it would change a verdict: an exact name that an earlier prefix rule shadows, a child
 * referenced from elsewhere, or a child whose final rule differs from the root's. Dead rules
 * (a repeated name, a child entry outside its prefix) are dropped, as the chain walk never
 * reaches them either.
 */
import type { Chain, Match, Rule, Table } from "../../compiler/ir/types.js";

/** A root dispatch chain replaced by a verdict map. */
export interface DispatchMap {
  /** Logical name of the root chain (it stays, holding the vmap rule and the final rule). */
  readonly root: string;
  readonly dir: "in" | "out";
  /** Interface → logical chain to `goto`, sorted by interface name. */
  readonly entries: readonly { readonly iface: string; readonly target: string }[];
  /** The root's last rule, kept after the vmap rule. */
  readonly final: Rule;
  /** Logical names of the child chains folded into the map (no longer rendered). */
  readonly children: readonly string[];
}

type IfaceGoto = { readonly match: Extract<Match, { kind: "iface" }>; readonly target: string };

/** `iface (not negated) → goto`, the only match of the rule; otherwise undefined. */
function ifaceGoto(rule: Rule): IfaceGoto | undefined {
  const [match, ...rest] = rule.matches;
  if (match?.kind !== "iface" || match.negate || rest.length > 0 || rule.action.kind !== "goto") return undefined;
  return { match, target: rule.action.chain };
}

function isFinal(rule: Rule | undefined): rule is Rule {
  return rule !== undefined && rule.matches.length === 0 && ["drop", "accept", "return"].includes(rule.action.kind);
}

/** How many rules and hooks jump or go to each chain. */
function referenceCounts(table: Table): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string): void => {
    counts.set(name, (counts.get(name) ?? 0) + 1);
  };
  for (const hook of table.hooks) add(hook.target);
  for (const chain of table.chains) {
    for (const rule of chain.rules) if (rule.action.kind === "jump" || rule.action.kind === "goto") add(rule.action.chain);
  }
  return counts;
}

/** The gotos of a chain made only of `iface → goto` rules plus a final rule; else undefined. */
function dispatchShape(chain: Chain): { gotos: IfaceGoto[]; final: Rule } | undefined {
  const final = chain.rules[chain.rules.length - 1];
  if (!isFinal(final)) return undefined;
  const gotos: IfaceGoto[] = [];
  for (const rule of chain.rules.slice(0, -1)) {
    const g = ifaceGoto(rule);
    if (g === undefined) return undefined;
    gotos.push(g);
  }
  return { gotos, final };
}

function sameFinal(a: Rule, b: Rule): boolean {
  return a.action.kind === b.action.kind && b.matches.length === 0;
}

/** Tries to flatten `chain` as a root; undefined if it does not have the shape. */
function flatten(chain: Chain, byName: ReadonlyMap<string, Chain>, refs: ReadonlyMap<string, number>): DispatchMap | undefined {
  const root = dispatchShape(chain);
  const dir = root?.gotos[0]?.match.dir;
  if (root === undefined || dir === undefined || root.gotos.some((g) => g.match.dir !== dir)) return undefined;
  const entries = new Map<string, string>();
  const prefixes: string[] = [];
  const children: string[] = [];
  const shadowed = (iface: string): boolean => prefixes.some((p) => iface.startsWith(p));
  for (const { match, target } of root.gotos) {
    if (!match.prefix) {
      if (shadowed(match.name)) return undefined;
      if (!entries.has(match.name)) entries.set(match.name, target);
      continue;
    }
    const child = byName.get(target);
    const shape = child === undefined ? undefined : dispatchShape(child);
    if (child === undefined || child === chain || shape === undefined || refs.get(target) !== 1 || !sameFinal(root.final, shape.final)) return undefined;
    for (const g of shape.gotos) {
      if (g.match.prefix || g.match.dir !== dir) return undefined;
      // Outside the prefix: never reached. Already mapped: an earlier rule wins.
      if (!g.match.name.startsWith(match.name) || entries.has(g.match.name)) continue;
      if (shadowed(g.match.name)) return undefined;
      entries.set(g.match.name, g.target);
    }
    prefixes.push(match.name);
    children.push(target);
  }
  const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([iface, target]) => ({ iface, target }));
  return { root: chain.name, dir, entries: sorted, final: root.final, children };
}

/**
 * The dispatch trees of a table that can become verdict maps, in chain order. A chain folded
 * into another tree as a child is never a root itself.
 */
export function findDispatchMaps(table: Table): DispatchMap[] {
  const byName = new Map(table.chains.map((c) => [c.name, c]));
  const refs = referenceCounts(table);
  const candidates = table.chains.map((c) => flatten(c, byName, refs)).filter((m): m is DispatchMap => m !== undefined);
  const folded = new Set(candidates.flatMap((m) => m.children));
  return candidates.filter((m) => !folded.has(m.root));
}
