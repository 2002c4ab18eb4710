/**
 * The reference evaluator: Calico and Kubernetes policy semantics implemented directly on the
 * model, independent of the compiler, the IR and the backends, so compiled rules can be checked
 * against it. It imports the model and the shared Calico facts (`src/calico/`) only; lint
 * enforces that.
 *
 * Semantics in brief
 * - Members: pods with an address and not on the host network (labels + Calico's automatic labels,
 *   profiles `kns.<ns>`, `ksa.<ns>.<sa>`), Calico v3 and v1 workload endpoints, host endpoints and
 *   network sets; labels inherited from profiles (the member's own label wins). Workloads from
 *   their manifests (Deployment, StatefulSet, ...) are pods without an address: no CIDR contains
 *   them (prepareMembers.ts says why and how pods and workloads are not counted twice).
 * - A flow is policed at its local ends: egress at the source, ingress at the destination.
 * - Per direction: tiers in order (only tiers with a policy applying to the endpoint), policies in
 *   order, rules in order (Allow/Deny final, Pass to the next tier, Log continues), the tier's
 *   default action, then the endpoint's profiles (Pass ends a profile; after any Pass, a profile
 *   also ends at its first Pass rule, matched or not: Felix's pass mark); nothing accepting
 *   means drop.
 * - Selectors match a peer when the endpoint owning its address matches, or a matching network
 *   set contains the address (as Felix's IP sets do).
 */
export type {
  Dataplane,
  DirectionResult,
  Family,
  Flow,
  FlowEnd,
  PeerInfo,
  PolicyKind,
  Prepared,
  PreparedMember,
  Step,
  Verdict,
} from "./types.js";
export { prepareModel, type PrepareOptions } from "./prepareModel.js";
export { evaluateFlow, endpointById, type EvaluateOptions } from "./evaluateFlow.js";
export {
  compactReachability,
  reachabilityMatrix,
  type CompactMatrix,
  type CompactPortMatrix,
  type MatrixPort,
  type PortMatrix,
  type ReachabilityMatrix,
} from "./reachabilityMatrix.js";
export { classReachability, type ClassReachability, type Probe } from "./classReachability.js";
export { endpointName, formatVerdict, formatStep, type VerdictFormat, type WrittenStep } from "./formatVerdict.js";
export { policyName, profileName } from "./displayNames.js";
export { isolatingPolicies } from "./isolatingPolicies.js";
export { protocolNumber } from "./prepareRules.js";
export {
  addressInterval,
  equivalenceClasses,
  type AddressInterval,
  type EndpointClass,
  type EquivalenceClasses,
  type PortInterval,
} from "./equivalenceClasses.js";
export { policyDiff, type DiffOptions, type FlowChange, type PolicyDiff } from "./policyDiff.js";
export { ownAxisProtocols, type FlowSpan, type IcmpPoint, type WantedProbe } from "./probeAxes.js";
export { isEndpointOf } from "./isEndpointOf.js";
export {
  verifyInvariants,
  VERIFY_PROTOCOLS,
  VERIFY_SOURCE_PORT,
  type Counterexample,
  type InvariantVerdict,
  type VerifyOptions,
  type VerifyProtocol,
  type VerifyResult,
} from "./verifyInvariants.js";
