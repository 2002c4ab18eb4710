/**
 * Facts about Calico (and the Kubernetes API server) that both the compiler and the reference
 * evaluator must agree on: label and profile naming, tier defaults, the order Felix evaluates
 * policies in, protocol numbers, Go's string order. Everything else the two implement on their
 * own, so that each can check the other.
 *
 * This is the lowest layer above diagnostics: plain constants and functions over strings and
 * numbers, importing nothing else of policyc.
 */
export * from "./goStrings.js";
export * from "./labels.js";
export * from "./names.js";
export * from "./policyOrder.js";
export * from "./protocols.js";
export * from "./tiers.js";
export * from "./pods.js";
export * from "./encapsulation.js";
export * from "./felixSettings.js";
export * from "./clusterPolicy.js";
export * from "./hostEndpointBinding.js";
