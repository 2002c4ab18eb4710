/** Test helper: run a packet through a compiled IR's filter table with the IR interpreter. */
import type { Ir, KernelChain } from "../ir/types.js";
import type { Packet } from "../ir/interpret.js";
import { interpret } from "../ir/interpret.js";

export interface Flow {
  src: string;
  dst: string;
  proto?: number;
  sport?: number;
  dport?: number;
  iif?: string;
  oif?: string;
  ctstate?: Packet["ctstate"];
  icmpType?: number;
  hook?: KernelChain;
}

/** The verdict of a NEW packet (TCP to port 80 unless given) through FORWARD (or `hook`). */
export function verdict(ir: Ir, f: Flow): "accept" | "drop" {
  const family = f.src.includes(":") ? 6 : 4;
  const packet: Packet = {
    family,
    src: f.src,
    dst: f.dst,
    proto: f.proto ?? 6,
    sport: f.sport ?? 40000,
    dport: f.dport ?? 80,
    ...(f.icmpType !== undefined ? { icmpType: f.icmpType } : {}),
    ...(f.iif !== undefined ? { iifname: f.iif } : {}),
    ...(f.oif !== undefined ? { oifname: f.oif } : {}),
    ctstate: f.ctstate ?? "NEW",
    mark: 0,
  };
  return interpret(family === 4 ? ir.v4 : ir.v6, "filter", f.hook ?? "FORWARD", packet).verdict;
}
