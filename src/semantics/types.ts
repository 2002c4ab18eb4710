/**
 * Data shapes of the reference evaluator: the flow it judges, the verdict and the path that decided
 * it, and the prepared form of a model (computed once by `prepareModel`).
 */
import type {
  ClusterPolicyPort,
  IcmpMatch,
  K8sPolicyPort,
  Labels,
  LabelSelector,
  NamedPort,
  PolicyType,
  Port,
  RuleAction,
} from "../model/types.js";
import type { FelixSettings, PolicyOrderKey } from "../calico/index.js";
import type { HostEncapsulation } from "./hostEncapsulation.js";
import type { Address, Cidr, Family } from "./addresses.js";
import type { ServiceEndpoints } from "./services.js";
import type { Bits } from "./bits.js";
import type { HostResult } from "./hostFlow.js";
import type { NeighbourDiscovery } from "./neighbourDiscovery.js";

export type { Family } from "./addresses.js";

// ---------------------------------------------------------------------------------------------
// Flows and verdicts (plain, JSON-serializable data)

/** One end of a flow: a workload endpoint by id (see `PreparedMember.id`) or a bare address. */
export type FlowEnd = { readonly endpoint: string } | { readonly ip: string };

/**
 * A new connection's first packet. `protocol` is the IP protocol number (TCP 6, UDP 17, ICMP 1,
 * ICMPv6 58, SCTP 132, UDPLite 136). Ports only mean something for protocols with ports; ICMP type
 * and code only for ICMP/ICMPv6.
 */
export interface Flow {
  readonly family: Family;
  readonly src: FlowEnd;
  readonly dst: FlowEnd;
  readonly protocol: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /**
   * kube-proxy's DNAT of the packet as it arrives at the node (nat PREROUTING: a node port or a
   * service address sent to a pod): the destination after it, its port defaulting to `dstPort`.
   * `dst`/`dstPort` stay the destination as sent, which raw and mangle (doNotTrack and preDNAT
   * policy) see; filter sees this one. Only for traffic arriving at the node (the evaluator
   * throws for the node's own), and void when untracked policy allows the packet (without a
   * conntrack entry there is no NAT).
   */
  readonly dnat?: { readonly ip: string; readonly port?: number };
}

export type PolicyKind =
  | "K8sNetworkPolicy"
  | "NetworkPolicy"
  | "GlobalNetworkPolicy"
  | "V1Policy"
  | "ClusterNetworkPolicy"
  | "AdminNetworkPolicy"
  | "BaselineAdminNetworkPolicy";

/** One thing that happened while a direction was evaluated, in order. */
export type Step =
  /** A policy rule matched. Log continues; Allow/Deny end the direction; Pass leaves the tier. */
  | {
      readonly kind: "rule";
      readonly tier: string;
      readonly policyKind: PolicyKind;
      /** Display name: `ns/name` for namespaced kinds, `name` for global ones. */
      readonly policy: string;
      readonly ruleIndex: number;
      /** The rule's `name`, for the cluster-scoped kinds that name their rules. */
      readonly ruleName?: string;
      readonly action: RuleAction;
      readonly file: string;
      /** Dotted path of the rule in its document (`spec.ingress.2`). */
      readonly path: string;
    }
  /** The tier applied to the endpoint but no rule gave a verdict: its default action. */
  | { readonly kind: "tier-default"; readonly tier: string; readonly action: "Deny" | "Pass" }
  /** A profile rule matched. Log continues; Allow/Deny end the direction; Pass leaves the profile. */
  | {
      readonly kind: "profile";
      readonly profile: string;
      readonly ruleIndex: number;
      readonly action: RuleAction;
      /**
       * Set when a Pass rule ended the profile without matching: the packet still carried the
       * pass mark of an earlier Pass (see `evaluateDirection`).
       */
      readonly byPassMark?: true;
      /** Absent for implicit profiles (`kns.<ns>`, `projectcalico-default-allow`). */
      readonly file?: string;
      readonly path?: string;
    }
  /** Nothing accepted the packet after the tiers: the final drop. */
  | { readonly kind: "no-profile-matched"; readonly profiles: readonly string[] }
  /** An IPIP or VXLAN packet a workload sends: dropped before any policy. */
  | { readonly kind: "encapsulated"; readonly what: "IPIP" | "VXLAN" };

export interface DirectionResult {
  /** The endpoint whose policy was evaluated (the source for egress, the destination for ingress). */
  readonly endpoint: string;
  readonly allowed: boolean;
  readonly steps: readonly Step[];
}

/** What one end of the flow turned out to be. */
export interface PeerInfo {
  /** Absent for a workload (a Deployment, ... from its manifest), which has no address. */
  readonly ip?: string;
  /** The workload endpoint owning the address, if any. */
  readonly endpoint?: string;
  /** Host endpoints and network sets containing the address (ids). */
  readonly others: readonly string[];
}

export interface Verdict {
  readonly allowed: boolean;
  /** False when neither end is a local workload endpoint: nothing on this node polices the flow. */
  readonly policed: boolean;
  readonly src: PeerInfo;
  readonly dst: PeerInfo;
  /** Present when the source is a local workload endpoint. */
  readonly egress?: DirectionResult;
  /** Present when the destination is a local workload endpoint. */
  readonly ingress?: DirectionResult;
  /**
   * Present when the packet is IPIP or VXLAN to the node while that is filtered: accepted only
   * from a known node, before any endpoint policy (then `egress` is absent).
   */
  readonly hostEncapsulation?: { readonly what: "IPIP" | "VXLAN"; readonly fromKnownNode: boolean };
  /**
   * Present when a local workload sends to an address of the node (a host endpoint's): Felix's
   * `DefaultEndpointToHostAction`, applied after egress policy allowed the packet (Drop denies it).
   */
  readonly endpointToHost?: "Drop" | "Accept" | "Return";
  /** What the node's host-endpoint chains did, in the order the packet met them (hostFlow.ts). */
  readonly host?: readonly HostResult[];
  /** doNotTrack policy allowed the packet: no conntrack entry, so replies need their own rule. */
  readonly untracked?: true;
  /** The first packet is allowed, untracked, but its reply is not: the connection fails. */
  readonly replyBlocked?: true;
  /**
   * IPv6 through an uplink a host endpoint guards: the neighbour discovery the first packet
   * needs, and whether the host endpoint let it through (neighbourDiscovery.ts).
   */
  readonly neighbourDiscovery?: NeighbourDiscovery;
  /** The flow was DNATed on arrival (`Flow.dnat`): its destination as sent (`dst` is the translated one). */
  readonly dnatFrom?: PeerInfo;
}

// ---------------------------------------------------------------------------------------------
// Prepared model (opaque to callers; holds bigints, so not JSON-serializable)

export type MemberKind =
  | "Pod"
  /** A Deployment, StatefulSet, ... from its manifest: a workload endpoint without an address. */
  | "Workload"
  | "WorkloadEndpoint"
  | "V1WorkloadEndpoint"
  | "HostEndpoint"
  | "V1HostEndpoint"
  | "NetworkSet"
  | "GlobalNetworkSet";

/** Anything a selector can match: workload endpoints, host endpoints and network sets. */
export interface PreparedMember {
  readonly index: number;
  readonly kind: MemberKind;
  /**
   * Workload endpoints: `<namespace>/<name>` (pods, Calico WorkloadEndpoints),
   * `<Kind>/<namespace>/<name>` (workloads: `Deployment/shop/web`),
   * `<orchestrator>/<workload>/<name>` (v1 workload endpoints, missing parts empty); a later
   * endpoint whose id is taken gets `#2`, `#3`… appended. Others: `<Kind>:<namespace>/<name>`
   * or `<Kind>:<name>`.
   */
  readonly id: string;
  readonly namespace?: string;
  /** Effective labels: inherited profile labels (earlier profiles win) under the member's own. */
  readonly labels: Labels;
  /** Empty for a workload (kind `Workload`): it has no address, and no CIDR contains it. */
  readonly nets: readonly Cidr[];
  readonly ports: readonly NamedPort[];
  readonly profiles: readonly string[];
  /** Workload endpoints only: policed, and usable as a flow end by id. */
  readonly workload: boolean;
  /** Workload endpoints only: on the evaluated node. */
  readonly local: boolean;
  /** Host endpoints only: their node and interface (`*` for all interfaces; absent: by expectedIPs). */
  readonly host?: { readonly node: string; readonly iface?: string };
  /**
   * Workload endpoint resources only: their `interfaceName`. Read the host-side interface name of
   * any member with `memberIface`. Not used by the policy semantics; it lets tools place a flow on
   * the dataplane (`packetPath`).
   */
  readonly iface?: string;
  /**
   * Pods and workloads only: the name Calico CNI hashes, with the namespace, into the pod's
   * `cali…` interface name (`podInterfaceName`), which `memberIface` derives when a flow needs it:
   * hashing every pod's name up front cost half a second on 250,000 pods that `verify` never read.
   */
  readonly vethName?: string;
}

/** The members (by `PreparedMember.index`) a selector or peer matches, as a bit set (`bits.ts`). */
export type Membership = Bits;

export interface PreparedEntity {
  readonly nets: readonly Cidr[];
  readonly notNets: readonly Cidr[];
  /** The effective selector (§2.5), printed, and the members it matches. */
  readonly selector?: { readonly text: string; readonly members: Membership };
  /** notSelector and v1 notTag: the peer must match none of them. */
  readonly notSelectors: readonly { readonly text: string; readonly members: Membership }[];
  readonly ports: readonly Port[];
  readonly notPorts: readonly Port[];
  /** A Kubernetes Service the peer must belong to (its endpoints, see `services.ts`). */
  readonly service?: { readonly name: string; readonly endpoints: ServiceEndpoints };
}

export interface PreparedCalicoRule {
  readonly kind: "calico";
  readonly action: RuleAction;
  /** The only family the rule can match (from ipVersion, nets or ICMP), if restricted. */
  readonly family?: Family;
  /**
   * The only family Felix renders the rule in, if restricted: by ipVersion, nets, or an ICMP
   * protocol written by name (felix/calc/rule_convert.go `ipVersionToProtoIPVersion`; a number
   * such as 1 leaves the rule in both families, where it matches nothing in the other one). A
   * rule rendered in a family can end a profile there without matching (see `evaluateDirection`).
   */
  readonly renderedIn?: Family;
  readonly protocol?: number;
  readonly notProtocol?: number;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly source: PreparedEntity;
  readonly destination: PreparedEntity;
  readonly path: string;
}

export interface PreparedK8sPeer {
  /** Members matched by podSelector/namespaceSelector (absent for an ipBlock-only peer). */
  readonly members?: Membership;
  readonly ipBlock?: { readonly cidr: Cidr; readonly except: readonly Cidr[] };
}

export interface PreparedK8sRule {
  readonly kind: "k8s";
  readonly action: "Allow";
  /** Empty: any peer. */
  readonly peers: readonly PreparedK8sPeer[];
  /** Empty: any protocol and port. */
  readonly ports: readonly K8sPolicyPort[];
  readonly path: string;
}

/** A peer of a cluster-scoped policy rule: members (namespaces, pods) or networks. */
export type PreparedClusterPeer = { readonly members: Membership } | { readonly nets: readonly Cidr[] };

/** A rule of a cluster-scoped policy (see prepareClusterPolicy.ts). */
export interface PreparedClusterRule {
  readonly kind: "cluster";
  /** Accept as Calico spells it (Allow), Deny, Pass. */
  readonly action: "Allow" | "Deny" | "Pass";
  readonly name?: string;
  /** A rule Calico failed closed: matches every packet (its action is Deny). */
  readonly matchesAll: boolean;
  /** At least one, unless `matchesAll`. */
  readonly peers: readonly PreparedClusterPeer[];
  /** Empty: any protocol and port. */
  readonly ports: readonly ClusterPolicyPort[];
  readonly path: string;
}

export type PreparedRule = PreparedCalicoRule | PreparedK8sRule | PreparedClusterRule;

export interface PreparedPolicy {
  readonly kind: PolicyKind;
  /** What Felix orders the policy by: order, name, namespace and Calico's kind. */
  readonly key: PolicyOrderKey;
  /** The display name used in steps. */
  readonly display: string;
  readonly tier: string;
  readonly types: readonly PolicyType[];
  /** Members the policy applies to. */
  readonly selects: Membership;
  readonly ingress: readonly PreparedRule[];
  readonly egress: readonly PreparedRule[];
  readonly file: string;
  /** GlobalNetworkPolicy (and v1 policy) flags: which host-endpoint chains the policy is in. */
  readonly hostFlags?: { readonly only?: "preDNAT" | "doNotTrack"; readonly applyOnForward: boolean };
}

export interface PreparedTier {
  readonly name: string;
  readonly order?: number;
  readonly defaultAction: "Deny" | "Pass";
  /** Defined by a Tier resource (or the implicit default tier); undefined tiers sort last. */
  readonly defined: boolean;
  /** In Felix's order (`comparePolicyOrder`). */
  readonly policies: readonly PreparedPolicy[];
}

/** A profile whose rules are of type `R` (model rules while resolving, prepared ones after). */
export interface ProfileWith<R> {
  readonly name: string;
  readonly labels: Labels;
  readonly ingress: readonly R[];
  readonly egress: readonly R[];
  readonly file?: string;
}

export type PreparedProfile = ProfileWith<PreparedCalicoRule>;

/** The model, resolved for evaluation. */
export interface Prepared {
  /** Workload endpoints (sorted by id), then host endpoints, then network sets. */
  readonly members: readonly PreparedMember[];
  /** Each member's index by its id (a Map: building an object of 250,000 id keys costs more). */
  readonly memberIndexById: ReadonlyMap<string, number>;
  /** Sorted by order (missing last), then name. Only tiers that have policies or are defined. */
  readonly tiers: readonly PreparedTier[];
  readonly profiles: Readonly<Record<string, PreparedProfile>>;
  /** The node's Felix settings (FelixConfiguration `default` and `node.<node>` over Felix's defaults). */
  readonly settings: FelixSettings;
  /** IPIP and VXLAN to the node: when they are filtered and whom they are accepted from. */
  readonly hostEncapsulation: HostEncapsulation;
  /** The node's host endpoints and the tiers that apply to them (see hostFlow.ts). */
  readonly host: PreparedHost;
  /** The dataplane whose behaviour the verdicts follow (see `PrepareOptions`). */
  readonly dataplane: Dataplane;
}

export type Dataplane = "iptables" | "nftables";

/**
 * The node's host endpoints by interface, as Felix binds them (named interfaces; the `*`
 * endpoint for every other interface), and the tiers of every policy for them (preDNAT and
 * doNotTrack ones included), with `selects` over host endpoints.
 */
export interface PreparedHost {
  /** Interface -> member index of the host endpoint that guards it. */
  readonly named: Readonly<Record<string, number>>;
  /** Member index of the all-interfaces endpoint. */
  readonly all?: number;
  /** Every host endpoint of the node (member indexes): their addresses are the node's. */
  readonly local: readonly number[];
  readonly tiers: readonly PreparedTier[];
}

/** A resolved flow end (internal). */
export interface Peer {
  /**
   * Absent for a workload (kind `Workload`), which has no address: no CIDR, network set or
   * service address contains it (see `prepareMembers.ts`).
   */
  readonly address?: Address;
  /** The member owning the address, if any (a workload or host endpoint). */
  readonly member?: PreparedMember;
  /** Network sets (member indexes) whose nets contain the address. */
  readonly networkSets: readonly number[];
  readonly port?: number;
}

export type { LabelSelector };
