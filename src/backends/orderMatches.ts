/**
 * The order in which both backends write a rule's matches, so rules read the same in iptables and
 * nft: interfaces first, then the policy matches in Felix's order (protocol, source address, set,
 * ports, named-port set, then the same for the destination, then ICMP: felix/rules/policy.go,
 * `CalculateRuleMatch`), the negated policy matches after all positive ones, then mark and conntrack state.
 * Matches of equal rank keep their IR order.
 */
import type { Match } from "../compiler/ir/types.js";

const POLICY_ORDER: Readonly<Record<string, number>> = {
  protocol: 0, "addr:src": 1, "set:src": 2, "ports:src": 3, "addrPortSet:src": 4,
  "addr:dst": 5, "set:dst": 6, "ports:dst": 7, "addrPortSet:dst": 8, icmp: 9,
};

function matchRank(match: Match): number {
  switch (match.kind) {
    case "iface":
      return match.dir === "in" ? 0 : 1;
    case "mark":
      return 100;
    case "ctstate":
      return 101;
    case "addrType":
      // Felix adds the address type after the policy matches (felix/rules/static.go).
      return 60;
    default: {
      const key = "dir" in match ? `${match.kind}:${match.dir}` : match.kind;
      return 10 + (match.negate ? 20 : 0) + (POLICY_ORDER[key] ?? 0);
    }
  }
}

/** The matches in rendering order (a new array; the input is not changed). */
export function orderMatches(matches: readonly Match[]): Match[] {
  return matches
    .map((match, index) => ({ match, index, rank: matchRank(match) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map(({ match }) => match);
}
