/**
 * Felix's static filter chains for workloads (felix/rules/static.go, "Top-level filter
 * flow"), without host-endpoint chains, and the hooks from the kernel chains.
 */
import type { FelixSettings } from "../../calico/index.js";
import type { Chain, Family, Hook, MarkBits } from "../ir/types.js";
import { goto, ifaceIn, ifaceOut, jump, markSet, markClear, RETURN, rule, clearBits } from "../ir/build.js";
import { endpointToHostAction, filterAllowAction } from "./settings.js";
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

/**
 * The filter hooks, inserted at the top of the kernel chains or appended as `ChainInsertMode` says
 * (felix/iptables/table.go `InsertOrAppendRules`).
 */
export function staticHooks(settings: FelixSettings): Hook[] {
  const position = settings.chainInsertMode;
  return [
    { kernelChain: "INPUT", target: INPUT_CHAIN, position, matches: [] },
    { kernelChain: "FORWARD", target: FORWARD_CHAIN, position, matches: [] },
    { kernelChain: "OUTPUT", target: OUTPUT_CHAIN, position, matches: [] },
  ];
}

/**
 * `cali-wl-to-host` ends with `DefaultEndpointToHostAction` whatever workload egress policy said
 * (felix/rules/static.go `filterWorkloadToHostChain`): by default (Drop) a workload reaches no
 * address of the node itself; the egress chains only decide what the action is applied to.
 */
export function staticChains(family: Family, marks: MarkBits, settings: FelixSettings): Chain[] {
  const allow = filterAllowAction(settings);
  const forward: Chain = {
    name: FORWARD_CHAIN,
    rules: [
      rule([], clearBits(marks.pass | marks.drop | marks.scratch0 | marks.scratch1)),
      rule([markClear(marks.accept), ifaceIn(WORKLOAD_IFACE_PREFIX, true)], jump(FROM_WL_DISPATCH)),
      rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], jump(TO_WL_DISPATCH)),
      rule([markSet(marks.accept)], allow, "Policy explicitly accepted packet."),
    ],
  };
  const input: Chain = { name: INPUT_CHAIN, rules: [rule([ifaceIn(WORKLOAD_IFACE_PREFIX, true)], goto(WL_TO_HOST_CHAIN))] };
  const output: Chain = { name: OUTPUT_CHAIN, rules: [rule([ifaceOut(WORKLOAD_IFACE_PREFIX, true)], RETURN)] };
  const wlToHost: Chain = {
    name: WL_TO_HOST_CHAIN,
    rules: [
      ...(family === 6
        ? ALLOWED_ICMPV6_TO_HOST.map((type) => rule([{ kind: "protocol", protocol: 58, negate: false }, { kind: "icmp", type, negate: false }], allow))
        : []),
      rule([], jump(FROM_WL_DISPATCH)),
      rule([], endpointToHostAction(settings), "Configured DefaultEndpointToHostAction"),
    ],
  };
  return [forward, input, output, wlToHost];
}
