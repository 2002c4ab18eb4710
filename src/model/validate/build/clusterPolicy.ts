/**
 * Builders for the cluster-scoped policy kinds of policy.networking.k8s.io: `ClusterNetworkPolicy`
 * (v1alpha2), `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy` (v1alpha1), into one model
 * shape. The schema has checked types, enums, bounds and list sizes; here are the checks the CRDs
 * make with MinProperties/MaxProperties and CEL (kubernetes-sigs/network-policy-api
 * apis/v1alpha2/clusternetworkpolicy_types.go, apis/v1alpha1/*_types.go), and what Calico's
 * converter cannot convert, which it fails closed.
 */
import type {
  ClusterNetworkPolicy,
  ClusterPolicyApiKind,
  ClusterPolicyPeer,
  ClusterPolicyPort,
  ClusterPolicyRule,
  ClusterPolicySubject,
  LabelSelector,
  NamespacedPods,
} from "../../types.js";
import type { LabelSelectorInput } from "../schemas/kubernetes.js";
import type { AdminNetworkPolicyInput, BaselineAdminNetworkPolicyInput, ClusterNetworkPolicyInput } from "../schemas/clusterPolicy.js";
import { parseCidr } from "../cidr.js";
import { buildMetadata, toLabelSelector } from "./kubernetes.js";
import { at, buildCidr, reportError, reportWarning, type BuildContext } from "./context.js";

type V2Spec = ClusterNetworkPolicyInput["spec"];
type V1Spec = AdminNetworkPolicyInput["spec"] | BaselineAdminNetworkPolicyInput["spec"];
type SubjectInput = V2Spec["subject"] | V1Spec["subject"];
type PodsInput = { namespaceSelector?: LabelSelectorInput; podSelector: LabelSelectorInput };
interface PeerInput {
  namespaces?: LabelSelectorInput;
  pods?: PodsInput;
  nodes?: LabelSelectorInput;
  networks?: string[];
  domainNames?: string[];
}
type V2Protocol = NonNullable<NonNullable<V2Spec["ingress"]>[number]["protocols"]>[number];
type V1Port = NonNullable<NonNullable<V1Spec["ingress"]>[number]["ports"]>[number];

/** The DomainName pattern of the CRD (as written upstream, `A-z` included). */
const DOMAIN_NAME = /^(\*\.)?([a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$/;

/** The fields of `value` that are set, among `keys`. */
function setFields(value: object, keys: readonly string[]): string[] {
  return keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
}

/** MinProperties=1/MaxProperties=1: one of `keys` and no other; false (reported) otherwise. */
function exactlyOne(ctx: BuildContext, value: object, keys: readonly string[], path: string, what: string): boolean {
  const set = setFields(value, keys);
  if (set.length === 1) return true;
  const message =
    set.length === 0
      ? `${what} needs exactly one of ${keys.join(", ")}`
      : `${what} takes exactly one of ${keys.join(", ")}, not ${set.join(" and ")}`;
  reportError(ctx, "invalid-value", message, set.length === 0 ? path : at(path, set[1]!));
  return false;
}

function namespacedPods(p: PodsInput): NamespacedPods {
  const empty: LabelSelectorInput = {};
  return { namespaceSelector: toLabelSelector(p.namespaceSelector ?? empty), podSelector: toLabelSelector(p.podSelector) };
}

function buildSubject(ctx: BuildContext, s: SubjectInput): ClusterPolicySubject | undefined {
  if (!exactlyOne(ctx, s, ["namespaces", "pods"], "spec.subject", "subject")) return undefined;
  if (s.namespaces) return { kind: "namespaces", namespaces: toLabelSelector(s.namespaces) };
  return s.pods ? { kind: "pods", pods: namespacedPods(s.pods) } : undefined;
}

const PEER_FIELDS = ["namespaces", "pods", "nodes", "networks", "domainNames"] as const;

/** `listType=set`: the API server rejects a value written twice. */
function noDuplicates(ctx: BuildContext, values: readonly string[], path: string): boolean {
  const i = values.findIndex((v, j) => values.indexOf(v) !== j);
  if (i < 0) return true;
  reportError(ctx, "invalid-value", `"${values[i]!}" is listed twice (the list is a set)`, at(path, i));
  return false;
}

function buildPeer(ctx: BuildContext, p: PeerInput, path: string, egress: boolean): ClusterPolicyPeer | undefined {
  const keys = egress ? PEER_FIELDS.filter((k) => k !== "domainNames" || "domainNames" in p) : ["namespaces", "pods"];
  if (!exactlyOne(ctx, p, keys, path, egress ? "an egress peer" : "an ingress peer")) return undefined;
  if (p.namespaces) return { kind: "namespaces", namespaces: toLabelSelector(p.namespaces), path };
  if (p.pods) return { kind: "pods", pods: namespacedPods(p.pods), path };
  if (p.nodes) return { kind: "nodes", nodes: toLabelSelector(p.nodes), path };
  if (p.networks) {
    if (!noDuplicates(ctx, p.networks, at(path, "networks"))) return undefined;
    const networks: string[] = [];
    p.networks.forEach((n, i) => {
      const where = at(path, "networks", i);
      // CEL isCIDR needs a prefix length; Calico's converter parses it with ParseCIDR.
      const parsed = parseCidr(n);
      if (parsed.ok && !n.includes("/")) {
        reportError(ctx, "invalid-cidr", `"${n}" is not in CIDR format: write ${n}/${parsed.family === 4 ? 32 : 128} for one address`, where);
        return;
      }
      const c = buildCidr(ctx, n, where);
      // Distinct as written, but maybe one CIDR once masked: kept once.
      if (c !== undefined && !networks.includes(c)) networks.push(c);
    });
    return { kind: "networks", networks, path };
  }
  if (p.domainNames) {
    if (!noDuplicates(ctx, p.domainNames, at(path, "domainNames"))) return undefined;
    p.domainNames.forEach((d, i) => {
      if (!DOMAIN_NAME.test(d)) reportError(ctx, "invalid-value", `"${d}" is not a domain name (a leading "*." is the only wildcard)`, at(path, "domainNames", i));
    });
    return { kind: "domainNames", domainNames: [...p.domainNames], path };
  }
  return undefined;
}

function buildV2Protocol(ctx: BuildContext, p: V2Protocol, path: string): ClusterPolicyPort | undefined {
  if (!exactlyOne(ctx, p, ["tcp", "udp", "sctp", "destinationNamedPort"], path, "a protocol")) return undefined;
  if (p.destinationNamedPort !== undefined) {
    if (p.destinationNamedPort === "") {
      reportError(ctx, "invalid-port", "destinationNamedPort is empty", at(path, "destinationNamedPort"));
      return undefined;
    }
    return { kind: "named", name: p.destinationNamedPort };
  }
  const [key, protocol] = p.tcp ? (["tcp", "TCP"] as const) : p.udp ? (["udp", "UDP"] as const) : (["sctp", "SCTP"] as const);
  const body = p[key]!;
  const where = at(path, key);
  if (!body.destinationPort) {
    // MinProperties=1 on the protocol struct.
    reportError(ctx, "missing-field", `${key} needs a destinationPort`, where);
    return undefined;
  }
  const dp = body.destinationPort;
  const dpPath = at(where, "destinationPort");
  if (!exactlyOne(ctx, dp, ["number", "range"], dpPath, "a destinationPort")) return undefined;
  if (dp.number !== undefined) return { kind: "protocol", protocol, ports: { first: dp.number, last: dp.number } };
  const r = dp.range!;
  if (r.start >= r.end) {
    reportError(ctx, "invalid-port", `the range's start (${r.start}) must be less than its end (${r.end})`, at(dpPath, "range"));
    return undefined;
  }
  return { kind: "protocol", protocol, ports: { first: r.start, last: r.end } };
}

function buildV1Port(ctx: BuildContext, p: V1Port, path: string): ClusterPolicyPort | "named" | undefined {
  if (!exactlyOne(ctx, p, ["portNumber", "namedPort", "portRange"], path, "a port")) return undefined;
  if (p.namedPort !== undefined) return "named";
  if (p.portNumber) return { kind: "protocol", protocol: p.portNumber.protocol ?? "TCP", ports: { first: p.portNumber.port, last: p.portNumber.port } };
  const r = p.portRange!;
  if (r.start > r.end) {
    // numorstring.PortFromRange rejects it, and Calico fails the rule closed; the API server lets it in.
    reportError(ctx, "invalid-port", `the range's start (${r.start}) is greater than its end (${r.end})`, at(path, "portRange"));
    return undefined;
  }
  return { kind: "protocol", protocol: r.protocol ?? "TCP", ports: { first: r.start, last: r.end } };
}

interface RuleInput {
  name?: string;
  action: string;
  from?: PeerInput[];
  to?: PeerInput[];
}

/** The action as the model spells it: v1alpha1's Allow is Accept. */
function modelAction(action: string): ClusterPolicyRule["action"] {
  return action === "Allow" || action === "Accept" ? "Accept" : action === "Deny" ? "Deny" : "Pass";
}

function buildRule(
  ctx: BuildContext,
  r: RuleInput,
  path: string,
  egress: boolean,
  ports: (path: string) => { ports: ClusterPolicyPort[]; namedIgnored: boolean } | undefined,
  portsKey: string,
): ClusterPolicyRule | undefined {
  const peerKey = egress ? "to" : "from";
  const peersIn = (egress ? r.to : r.from) ?? [];
  const peers = peersIn.map((p, i) => buildPeer(ctx, p, at(path, peerKey, i), egress));
  const built = ports(at(path, portsKey));
  if (!built || peers.some((p) => p === undefined)) return undefined;
  const ok = peers as ClusterPolicyPeer[];
  // CEL on the egress rule: a named port means nothing for networks, nodes or domain names.
  const hasNamed = built.namedIgnored || built.ports.some((p) => p.kind === "named");
  const addressPeer = ok.find((p) => p.kind === "networks" || p.kind === "nodes" || p.kind === "domainNames");
  if (hasNamed && addressPeer) {
    reportError(ctx, "invalid-port", `a ${addressPeer.kind} peer cannot be used with named ports: they have none`, path);
    return undefined;
  }
  const unconvertible = ok.find((p) => p.kind === "nodes" || p.kind === "domainNames");
  const action = modelAction(r.action);
  let failClosed: string | undefined;
  if (unconvertible) {
    // libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go: a peer with none of
    // namespaces, pods, networks fails the rule ("none of supported fields in 'To' is set").
    failClosed = `Calico does not convert a ${unconvertible.kind} peer and fails the rule closed`;
    const effect = action === "Accept" ? "the rule is left out (it accepts nothing)" : "the rule becomes \"deny everything\"";
    reportWarning(ctx, "cluster-policy-fail-closed", `${failClosed}: ${effect}`, at(unconvertible.path, unconvertible.kind));
  }
  return {
    ...(r.name !== undefined && r.name !== "" ? { name: r.name } : {}),
    action,
    peers: ok,
    ports: built.ports,
    ...(failClosed ? { failClosed } : {}),
    path,
  };
}

function v2Ports(ctx: BuildContext, protocols: readonly V2Protocol[] | undefined) {
  return (path: string) => {
    const out = (protocols ?? []).map((p, i) => buildV2Protocol(ctx, p, at(path, i)));
    if (out.some((p) => p === undefined)) return undefined;
    return { ports: out as ClusterPolicyPort[], namedIgnored: false };
  };
}

/**
 * v1alpha1 ports. Calico v3.31 did not convert namedPort (conversion.go
 * `k8sAdminPolicyPortToCalicoFields`: "TODO: Add support for NamedPorts"); the empty result made
 * `unpackANPPorts` match every protocol and port for the whole rule. So does this, with a warning.
 */
function v1Ports(ctx: BuildContext, ports: readonly V1Port[] | undefined) {
  return (path: string) => {
    const out = (ports ?? []).map((p, i) => buildV1Port(ctx, p, at(path, i)));
    if (out.some((p) => p === undefined)) return undefined;
    const named = out.findIndex((p) => p === "named");
    if (named >= 0) {
      reportWarning(
        ctx,
        "cluster-policy-named-port",
        "Calico (v3.31, the last release that reads AdminNetworkPolicy) does not convert namedPort: this rule matches every protocol and port",
        at(path, named, "namedPort"),
      );
      return { ports: [], namedIgnored: true };
    }
    return { ports: out as ClusterPolicyPort[], namedIgnored: false };
  };
}

function finish(
  ctx: BuildContext,
  input: { metadata: Parameters<typeof buildMetadata>[0] },
  apiKind: ClusterPolicyApiKind,
  tier: "Admin" | "Baseline",
  priority: number | undefined,
  subject: ClusterPolicySubject | undefined,
  ingress: (ClusterPolicyRule | undefined)[],
  egress: (ClusterPolicyRule | undefined)[],
): ClusterNetworkPolicy | undefined {
  if (!subject || ingress.some((r) => r === undefined) || egress.some((r) => r === undefined)) return undefined;
  return {
    kind: "ClusterNetworkPolicy",
    apiKind,
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    tier,
    ...(priority !== undefined ? { priority } : {}),
    subject,
    ingress: ingress as ClusterPolicyRule[],
    egress: egress as ClusterPolicyRule[],
  };
}

export function buildClusterNetworkPolicy(ctx: BuildContext, input: ClusterNetworkPolicyInput): ClusterNetworkPolicy | undefined {
  const s = input.spec;
  const subject = buildSubject(ctx, s.subject);
  const ingress = (s.ingress ?? []).map((r, i) => buildRule(ctx, r, at("spec.ingress", i), false, v2Ports(ctx, r.protocols), "protocols"));
  const egress = (s.egress ?? []).map((r, i) => buildRule(ctx, r, at("spec.egress", i), true, v2Ports(ctx, r.protocols), "protocols"));
  return finish(ctx, input, "ClusterNetworkPolicy", s.tier, s.priority, subject, ingress, egress);
}

export function buildAdminNetworkPolicy(ctx: BuildContext, input: AdminNetworkPolicyInput): ClusterNetworkPolicy | undefined {
  const s = input.spec;
  const subject = buildSubject(ctx, s.subject);
  const ingress = (s.ingress ?? []).map((r, i) => buildRule(ctx, r, at("spec.ingress", i), false, v1Ports(ctx, r.ports), "ports"));
  const egress = (s.egress ?? []).map((r, i) => buildRule(ctx, r, at("spec.egress", i), true, v1Ports(ctx, r.ports), "ports"));
  return finish(ctx, input, "AdminNetworkPolicy", "Admin", s.priority, subject, ingress, egress);
}

export function buildBaselineAdminNetworkPolicy(ctx: BuildContext, input: BaselineAdminNetworkPolicyInput): ClusterNetworkPolicy | undefined {
  const s = input.spec;
  // CEL on the kind: the baseline policy is a singleton named "default".
  if (input.metadata.name !== "default") {
    reportError(ctx, "invalid-name", `a BaselineAdminNetworkPolicy must be named "default" (there is one per cluster)`, "metadata.name");
    return undefined;
  }
  const subject = buildSubject(ctx, s.subject);
  const ingress = (s.ingress ?? []).map((r, i) => buildRule(ctx, r, at("spec.ingress", i), false, v1Ports(ctx, r.ports), "ports"));
  const egress = (s.egress ?? []).map((r, i) => buildRule(ctx, r, at("spec.egress", i), true, v1Ports(ctx, r.ports), "ports"));
  return finish(ctx, input, "BaselineAdminNetworkPolicy", "Baseline", undefined, subject, ingress, egress);
}

/** Every label selector of the policy with its path, for the label checks. */
export function clusterPolicySelectors(p: ClusterNetworkPolicy): { selector: LabelSelector; path: string }[] {
  const out: { selector: LabelSelector; path: string }[] = [];
  const pods = (x: NamespacedPods, path: string): void => {
    out.push({ selector: x.namespaceSelector, path: `${path}.namespaceSelector` }, { selector: x.podSelector, path: `${path}.podSelector` });
  };
  if (p.subject.kind === "namespaces") out.push({ selector: p.subject.namespaces, path: "spec.subject.namespaces" });
  else pods(p.subject.pods, "spec.subject.pods");
  for (const rule of [...p.ingress, ...p.egress]) {
    for (const peer of rule.peers) {
      if (peer.kind === "namespaces") out.push({ selector: peer.namespaces, path: `${peer.path}.namespaces` });
      else if (peer.kind === "pods") pods(peer.pods, `${peer.path}.pods`);
      else if (peer.kind === "nodes") out.push({ selector: peer.nodes, path: `${peer.path}.nodes` });
    }
  }
  return out;
}
