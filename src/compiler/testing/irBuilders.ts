/** Test helpers for hand-written IRs: a v4-only IR from chains and sets, printed compactly. */
import { FELIX_MARKS } from "../ir/marks.js";
import { printIr } from "../ir/print.js";
import type { Chain, Ir, IpSet, Match, Rule } from "../ir/types.js";

/** An IR whose v4 filter table hooks FORWARD to the first chain; v6 is empty. */
export function irOf(chains: Chain[], sets: IpSet[] = []): Ir {
  const first = chains[0]?.name ?? "root";
  return {
    marks: FELIX_MARKS,
    v4: { family: 4, tables: [{ name: "filter", hooks: [{ kernelChain: "FORWARD", target: first, position: "insert", matches: [] }], chains }], sets },
    v6: { family: 6, tables: [], sets: [] },
  };
}

export function r(matches: Match[], action: Rule["action"] = { kind: "accept" }, ...comments: string[]): Rule {
  return { matches, action, comments };
}

export function netSet(id: string, members: string[]): IpSet {
  return { id, type: "net", family: 4, members, comment: "" };
}

/** The v4 part of the printed IR, without the marks line and family header. */
export function v4Text(ir: Ir): string {
  const lines = printIr(ir).split("\n");
  const start = lines.indexOf("family ipv4") + 1;
  const end = lines.indexOf("family ipv6");
  return lines.slice(start, end).join("\n") + "\n";
}
