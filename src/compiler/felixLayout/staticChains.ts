/**
 * Felix's static filter chains for workloads (felix/rules/static.go, "Top-level filter
 * flow"), without host-endpoint chains, and the hooks from the kernel chains.
 */
import type { Chain, Family, Hook, MarkBits } from "../ir/types.js";
import { ACCEPT, DROP, goto, ifaceIn, ifaceOut, jump, markSet, markClear, RETURN, rule, clearBits } from "../ir/build.js";
import {
  FORWARD_CHAIN,
  FROM_WL_DISPATCH,
  INPUT_CHAIN,
  OUTPUT_CHAIN,
  TO_WL_DISPATCH,
  WL_TO_HOST_CHAIN,
  WORKLOAD_IFACE_PREFIX,
} from "./chainNames.js";

/** ICMPv6 types a workload may always send to the host: MLD (130-132), RS (133), NS (135), NA (136). */
const ALLOWED_ICMPV6_TO_HOST = [130, 131, 132, 133, 135, 136];

export function staticHooks(): Hook[] {
  return [
    { kernelChain: "INPUT", target: INPUT_CHAIN, position: "insert", matches: [] },
    { kernelChain: "FORWARD", target: FORWARD_CHAIN, position: "insert", matches: [] },
    { kernelChain: "OUTPUT", target: OUTPUT_CHAIN, position: "insert", matches: [] },
  ];
}

export function staticChains(family: Family, marks: MarkBits): Chain[] {
  const forward: Chain = {
    name: FORWARD_CHAIN,
    rules: [
      rule([], clearBits(marks.pass | marks.drop | marks.scratch0 | marks.scratch1)),
      rule([markClear(marks.accept), ifaceIn(WORKLOAD_IFACE_PREFIX, true)], jump(FROM_WL_DISPATCH)),
      rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], jump(TO_WL_DISPATCH)),
      rule([markSet(marks.accept)], ACCEPT, "Policy explicitly accepted packet."),
    ],
  };
  const input: Chain = { name: INPUT_CHAIN, rules: [rule([ifaceIn(WORKLOAD_IFACE_PREFIX, true)], goto(WL_TO_HOST_CHAIN))] };
  const output: Chain = { name: OUTPUT_CHAIN, rules: [rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], RETURN)] };
  const wlToHost: Chain = {
    name: WL_TO_HOST_CHAIN,
    rules: [
      ...(family === 6
        ? ALLOWED_ICMPV6_TO_HOST.map((type) => rule([{ kind: "protocol", protocol: 58, negate: false }, { kind: "icmp", type, negate: false }], ACCEPT))
        : []),
      rule([], jump(FROM_WL_DISPATCH)),
      rule([markSet(marks.accept)], ACCEPT),
      rule([], DROP, "Configured DefaultEndpointToHostAction"),
    ],
  };
  return [forward, input, output, wlToHost];
}
