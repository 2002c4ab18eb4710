/** Felix's logical chain names (felix/rules/rule_defs.go); backends shorten them. */

export const FORWARD_CHAIN = "cali-FORWARD";
export const INPUT_CHAIN = "cali-INPUT";
export const OUTPUT_CHAIN = "cali-OUTPUT";
export const WL_TO_HOST_CHAIN = "cali-wl-to-host";
export const FROM_WL_DISPATCH = "cali-from-wl-dispatch";
export const TO_WL_DISPATCH = "cali-to-wl-dispatch";
/** nat table (felix/rules/rule_defs.go): the POSTROUTING entry, floating-IP SNAT, NAT outgoing. */
export const NAT_POSTROUTING_CHAIN = "cali-POSTROUTING";
export const FIP_SNAT_CHAIN = "cali-fip-snat";
export const NAT_OUTGOING_CHAIN = "cali-nat-outgoing";
/** Felix's workload interface prefix (`cali+` in iptables). */
export const WORKLOAD_IFACE_PREFIX = "cali";

export const fromWorkloadChain = (iface: string): string => `cali-fw-${iface}`;
export const toWorkloadChain = (iface: string): string => `cali-tw-${iface}`;
export const policyChain = (dir: "ingress" | "egress", id: string): string => `${dir === "ingress" ? "cali-pi-" : "cali-po-"}${id}`;
export const profileChain = (dir: "ingress" | "egress", name: string): string => `${dir === "ingress" ? "cali-pri-" : "cali-pro-"}${name}`;
