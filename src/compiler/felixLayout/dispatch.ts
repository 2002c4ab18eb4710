/**
 * Workload dispatch chains: Felix's one-level prefix tree over interface names
 * (felix/rules/dispatch.go, `sortAndDivideEndpointNamesToPrefixTree`).
 */
import type { Chain, Match, Rule } from "../ir/types.js";
import { DROP, goto, ifaceIn, ifaceOut, rule } from "../ir/build.js";

/**
 * The dispatch chains rooted at `root` for `ifaces`: singleton buckets dispatch from the root,
 * multi-name buckets go through a child `<root>-<char>`. Every chain ends with the
 * "Unknown interface" drop. `dir` is `in` for from-workload, `out` for to-workload.
 */
export function dispatchChains(root: string, ifaces: readonly string[], dir: "in" | "out", target: (iface: string) => string): Chain[] {
  return dispatchTree(root, ifaces, dir, target, [rule([], DROP, "Unknown interface")]);
}

/**
 * The prefix tree of `dispatchChains` with its own end rules (`buildSingleDispatchChainTree`):
 * the root and every child end with `endRules` (host endpoints: a goto to the all-interfaces
 * endpoint's chain, or nothing).
 */
export function dispatchTree(root: string, ifaces: readonly string[], dir: "in" | "out", target: (iface: string) => string, endRules: readonly Rule[]): Chain[] {
  const names = [...new Set(ifaces)].sort();
  const match = (name: string, prefix: boolean): Match => (dir === "in" ? ifaceIn(name, prefix) : ifaceOut(name, prefix));
  let common = names[0] ?? "";
  for (const n of names) {
    let i = 0;
    while (i < common.length && i < n.length && common[i] === n[i]) i++;
    common = common.slice(0, i);
  }
  // Bucket by the common prefix plus one more character (a name equal to the prefix is its own bucket).
  const buckets = new Map<string, string[]>();
  for (const n of names) {
    const key = n.slice(0, common.length + 1);
    const b = buckets.get(key);
    if (b) b.push(n);
    else buckets.set(key, [n]);
  }
  const rootRules = [];
  const children: Chain[] = [];
  for (const [key, members] of buckets) {
    if (members.length === 1) {
      rootRules.push(rule([match(members[0]!, false)], goto(target(members[0]!))));
      continue;
    }
    const child = `${root}-${key.slice(common.length)}`;
    rootRules.push(rule([match(key, true)], goto(child)));
    children.push({ name: child, rules: [...members.map((m) => rule([match(m, false)], goto(target(m)))), ...endRules] });
  }
  return [{ name: root, rules: [...rootRules, ...endRules] }, ...children];
}
