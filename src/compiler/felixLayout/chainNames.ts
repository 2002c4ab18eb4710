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

// Host endpoints (felix/rules/rule_defs.go).
export const FROM_HOST_DISPATCH = "cali-from-host-endpoint";
export const TO_HOST_DISPATCH = "cali-to-host-endpoint";
export const FROM_HEP_FORWARD_DISPATCH = "cali-from-hep-forward";
export const TO_HEP_FORWARD_DISPATCH = "cali-to-hep-forward";
export const FAILSAFE_IN_CHAIN = "cali-failsafe-in";
export const FAILSAFE_OUT_CHAIN = "cali-failsafe-out";
/** raw and mangle: Felix's chains hooked from PREROUTING and OUTPUT. */
export const PREROUTING_CHAIN = "cali-PREROUTING";
/**
 * The interface name Felix gives the all-interfaces (`*`) host endpoint's chains
 * (felix/dataplane/linux/endpoint_mgr.go `allInterfaces`).
 */
export const ALL_INTERFACES = "any-interface-at-all";

/** To the host endpoint (host egress). */
export const toHostChain = (iface: string): string => `cali-th-${iface}`;
/** From the host endpoint (host ingress). */
export const fromHostChain = (iface: string): string => `cali-fh-${iface}`;
/** Forwarded out of the host endpoint. */
export const toHostForwardChain = (iface: string): string => `cali-thfw-${iface}`;
/** Forwarded in through the host endpoint. */
export const fromHostForwardChain = (iface: string): string => `cali-fhfw-${iface}`;
