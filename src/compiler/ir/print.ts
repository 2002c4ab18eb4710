/**
 * The canonical text form of the IR: deterministic (everything is printed in the IR's own sorted
 * order), one rule per line, used by `policyc compile --emit ir` and golden files.
 *
 *   family ipv4
 *     set s:5y5I... net  # all()
 *       10.0.0.1/32
 *     table filter
 *       hook FORWARD insert -> cali-FORWARD
 *       chain cali-tw-cali123
 *         -> jump cali-pi-np/ns/foo  if mark&0x20000==0x0  # comment
 */
import type { Action, FamilyIr, Ir, Match, PortRange, Rule } from "./types.js";

const hex = (n: number): string => "0x" + n.toString(16);

function ranges(rs: readonly PortRange[]): string {
  return rs.map((r) => (r.first === r.last ? `${r.first}` : `${r.first}:${r.last}`)).join(",");
}

/** One match as text, e.g. `src 10.0.0.0/8`, `!dport 80,443`, `mark&0x10000==0x10000`. */
export function printMatch(m: Match): string {
  const not = "negate" in m && m.negate ? "!" : "";
  switch (m.kind) {
    case "protocol":
      return `${not}proto ${m.protocol}`;
    case "addr":
      return `${not}${m.dir} ${m.cidrs.join(",")}`;
    case "set":
      return `${m.dir} ${not}in ${m.set}`;
    case "addrPortSet":
      return `${m.dir},${m.dir}port ${not}in ${m.set}`;
    case "ports":
      return `${not}${m.dir === "src" ? "sport" : "dport"} ${ranges(m.ranges)}`;
    case "icmp":
      return `${not}icmp ${m.type}${m.code !== undefined ? `/${m.code}` : ""}`;
    case "iface":
      return `${not}${m.dir === "in" ? "iif" : "oif"} ${m.name}${m.prefix ? "+" : ""}`;
    case "mark":
      return `mark&${hex(m.mask)}${m.negate ? "!=" : "=="}${hex(m.value)}`;
    case "ctstate":
      return `ctstate ${m.negate ? "!" : ""}${m.states.join(",")}`;
    case "addrType":
      return `${m.dir}type ${not}${m.type}`;
  }
}

export function printAction(a: Action): string {
  switch (a.kind) {
    case "accept":
    case "drop":
    case "return":
    case "none":
    case "notrack":
      return a.kind;
    case "jump":
    case "goto":
      return `${a.kind} ${a.chain}`;
    case "setMark":
      return `setMark ${hex(a.value)}/${hex(a.mask)}`;
    case "log":
      return `log ${JSON.stringify(a.prefix)}`;
    case "masquerade":
      return "masquerade";
  }
}

/** One rule: `-> <action>  if <matches>  # <comments>`. */
export function printRule(r: Rule): string {
  let line = `-> ${printAction(r.action)}`;
  if (r.matches.length > 0) line += `  if ${r.matches.map(printMatch).join(" ")}`;
  if (r.comments.length > 0) line += `  # ${r.comments.join(" | ")}`;
  return line;
}

function printFamily(f: FamilyIr): string[] {
  const out = [`family ipv${f.family}`];
  for (const s of f.sets) {
    out.push(`  set ${s.id} ${s.type}${s.comment ? `  # ${s.comment}` : ""}`);
    for (const m of s.members) out.push(`    ${m}`);
  }
  for (const t of f.tables) {
    out.push(`  table ${t.name}`);
    for (const h of t.hooks) {
      out.push(`    hook ${h.kernelChain} ${h.position} -> ${h.target}${h.matches.length > 0 ? `  if ${h.matches.map(printMatch).join(" ")}` : ""}`);
    }
    for (const c of t.chains) {
      out.push(`    chain ${c.name}`);
      for (const r of c.rules) out.push(`      ${printRule(r)}`);
    }
  }
  return out;
}

/** The whole IR as canonical text (ends with a newline). */
export function printIr(ir: Ir): string {
  const m = ir.marks;
  const lines = [
    `marks accept=${hex(m.accept)} pass=${hex(m.pass)} drop=${hex(m.drop)} scratch0=${hex(m.scratch0)} scratch1=${hex(m.scratch1)}`,
    ...printFamily(ir.v4),
    ...printFamily(ir.v6),
  ];
  return lines.join("\n") + "\n";
}
