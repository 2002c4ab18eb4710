/**
 * Builders for the Calico projectcalico.org/v3 kinds.
 */
import type { z } from "zod";
import { FELIX_GLOBAL_CONFIG_NAME, FELIX_MARK_BITS_NEEDED, FELIX_NODE_CONFIG_PREFIX, markBitsFromMask } from "../../../calico/index.js";
import type { FailsafePort, FelixSettingsOverride } from "../../../calico/index.js";
import type {
  CalicoNetworkPolicy,
  FelixConfiguration,
  GlobalNetworkPolicy,
  GlobalNetworkSet,
  HostEndpoint,
  IPPool,
  NetworkSet,
  PolicyType,
  Profile,
  Rule,
  Tier,
  WorkloadEndpoint,
} from "../../types.js";
import type * as s from "../schemas/calicoV3.js";
import { parseCidr } from "../cidr.js";
import { buildAddresses, buildCidr, buildCidrs, buildEndpointNets, buildSelector, reportError, type BuildContext } from "./context.js";
import { buildMetadata } from "./kubernetes.js";
import { buildRules } from "./rule.js";

type In<T extends z.ZodType> = z.output<T>;

/**
 * Calico's default policy types (api/pkg/defaults): only egress rules → [Egress]; egress and
 * ingress rules → both; otherwise [Ingress].
 */
export function defaultTypes(ingress: readonly Rule[], egress: readonly Rule[]): PolicyType[] {
  if (egress.length === 0) return ["Ingress"];
  return ingress.length === 0 ? ["Egress"] : ["Ingress", "Egress"];
}

function policyCommon(ctx: BuildContext, spec: In<typeof s.networkPolicySchema>["spec"]) {
  const ingress = buildRules(ctx, spec.ingress, "spec.ingress");
  const egress = buildRules(ctx, spec.egress, "spec.egress");
  const serviceAccountSelector = buildSelector(ctx, spec.serviceAccountSelector, "spec.serviceAccountSelector");
  return {
    tier: spec.tier ?? "default",
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector: buildSelector(ctx, spec.selector ?? "", "spec.selector") ?? { text: "", ast: { kind: "all" as const } },
    ...(serviceAccountSelector ? { serviceAccountSelector } : {}),
    types: spec.types ? [...spec.types] : defaultTypes(ingress, egress),
    ingress,
    egress,
  };
}

export function buildNetworkPolicy(ctx: BuildContext, input: In<typeof s.networkPolicySchema>): CalicoNetworkPolicy {
  return { kind: "NetworkPolicy", metadata: buildMetadata(input.metadata, true), origin: ctx.origin, ...policyCommon(ctx, input.spec) };
}

export function buildGlobalNetworkPolicy(ctx: BuildContext, input: In<typeof s.globalNetworkPolicySchema>): GlobalNetworkPolicy {
  const spec = input.spec;
  const namespaceSelector = buildSelector(ctx, spec.namespaceSelector, "spec.namespaceSelector");
  return {
    kind: "GlobalNetworkPolicy",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    ...policyCommon(ctx, spec),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    doNotTrack: spec.doNotTrack ?? false,
    preDNAT: spec.preDNAT ?? false,
    applyOnForward: spec.applyOnForward ?? false,
  };
}

export function buildTier(ctx: BuildContext, input: In<typeof s.tierSchema>): Tier {
  const spec = input.spec ?? {};
  return {
    kind: "Tier",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    defaultAction: spec.defaultAction ?? "Deny",
  };
}

export function buildProfile(ctx: BuildContext, input: In<typeof s.profileSchema>): Profile {
  const spec = input.spec ?? {};
  return {
    kind: "Profile",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    labelsToApply: { ...(spec.labelsToApply ?? {}) },
    ingress: buildRules(ctx, spec.ingress, "spec.ingress"),
    egress: buildRules(ctx, spec.egress, "spec.egress"),
  };
}

export function buildNetworkSet(ctx: BuildContext, input: In<typeof s.networkSetSchema>): NetworkSet {
  return {
    kind: "NetworkSet",
    metadata: buildMetadata(input.metadata, true),
    origin: ctx.origin,
    nets: buildCidrs(ctx, input.spec?.nets, "spec.nets"),
  };
}

export function buildGlobalNetworkSet(ctx: BuildContext, input: In<typeof s.globalNetworkSetSchema>): GlobalNetworkSet {
  return {
    kind: "GlobalNetworkSet",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    nets: buildCidrs(ctx, input.spec?.nets, "spec.nets"),
  };
}

export function buildHostEndpoint(ctx: BuildContext, input: In<typeof s.hostEndpointSchema>): HostEndpoint {
  const spec = input.spec;
  return {
    kind: "HostEndpoint",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    node: spec.node,
    ...(spec.interfaceName !== undefined && spec.interfaceName !== "" ? { interfaceName: spec.interfaceName } : {}),
    expectedIPs: buildAddresses(ctx, spec.expectedIPs, "spec.expectedIPs"),
    profiles: [...(spec.profiles ?? [])],
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
  };
}

export function buildWorkloadEndpoint(ctx: BuildContext, input: In<typeof s.workloadEndpointSchema>): WorkloadEndpoint {
  const spec = input.spec;
  const kind = "WorkloadEndpoint";
  const metadata = buildMetadata(input.metadata, true);
  const origin = ctx.origin;
  const node = spec.node;
  const interfaceName = spec.interfaceName ?? "";
  const ipNetworks = buildEndpointNets(ctx, spec.ipNetworks, "spec.ipNetworks");
  const profiles = [...(spec.profiles ?? [])];
  const ports = (spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port }));
  const allowSpoofedSourcePrefixes = buildCidrs(ctx, spec.allowSpoofedSourcePrefixes, "spec.allowSpoofedSourcePrefixes");
  const { orchestrator, workload, pod, endpoint, serviceAccountName } = spec;
  // The shape Calico's CNI plugin writes for every pod (an orchestrator, pod, endpoint and service
  // account, no workload), as one literal: this runs for every endpoint of a cluster, and
  // spreading the optional fields gives each endpoint a larger object, built more slowly. The
  // fields are in the order of the general case below.
  if (orchestrator !== undefined && workload === undefined && pod !== undefined && endpoint !== undefined && serviceAccountName !== undefined) {
    return { kind, metadata, origin, node, orchestrator, pod, endpoint, serviceAccountName, interfaceName, ipNetworks, profiles, ports, allowSpoofedSourcePrefixes };
  }
  const optional = {
    ...(orchestrator !== undefined ? { orchestrator } : {}),
    ...(workload !== undefined ? { workload } : {}),
    ...(pod !== undefined ? { pod } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(serviceAccountName !== undefined ? { serviceAccountName } : {}),
  };
  return { kind, metadata, origin, node, ...optional, interfaceName, ipNetworks, profiles, ports, allowSpoofedSourcePrefixes };
}

/**
 * An IPPool, checked as Calico checks it (libcalico-go/lib/validator/v3/validator.go,
 * `validateIPPoolSpec`, and the CEL rules on api/pkg/apis/projectcalico/v3/ippool.go): the CIDR
 * must be a network address (host bits are an error here, not masked), `blockSize` is 0 (the
 * default) or 20-32 for IPv4 and 116-128 for IPv6, and an enabled pool is at least one block.
 */
export function buildIpPool(ctx: BuildContext, input: In<typeof s.ipPoolSchema>): IPPool | undefined {
  const spec = input.spec;
  const parsed = parseCidr(spec.cidr);
  if (!parsed.ok) {
    reportError(ctx, "invalid-cidr", parsed.reason, "spec.cidr");
    return undefined;
  }
  if (parsed.hostBits) {
    reportError(ctx, "cidr-host-bits", `the pool CIDR "${spec.cidr}" has host bits set; Calico requires the network address (${parsed.canonical})`, "spec.cidr");
    return undefined;
  }
  const cidr = parsed.canonical;
  const [lo, hi, defaultBlock] = parsed.family === 4 ? [20, 32, 26] : [116, 128, 122];
  const blockSize = spec.blockSize ?? 0;
  if (blockSize !== 0 && (blockSize < lo || blockSize > hi)) {
    reportError(ctx, "invalid-value", `blockSize must be between ${lo} and ${hi} for an IPv${parsed.family} pool`, "spec.blockSize");
  } else if (!(spec.disabled ?? false) && parsed.prefix > (blockSize || defaultBlock)) {
    const what = blockSize ? `its blockSize ${blockSize}` : `the default block size /${defaultBlock}`;
    reportError(ctx, "invalid-value", `the pool /${parsed.prefix} is smaller than ${what}; Calico requires at least one block`, "spec.cidr");
  }
  return {
    kind: "IPPool",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    cidr,
    ipipMode: spec.ipipMode ?? "Never",
    vxlanMode: spec.vxlanMode ?? "Never",
    natOutgoing: spec.natOutgoing ?? false,
    disabled: spec.disabled ?? false,
    loadBalancerOnly: spec.allowedUses !== undefined && spec.allowedUses.length === 1 && spec.allowedUses[0] === "LoadBalancer",
  };
}

/** The FelixConfiguration fields policyc compiles (the rest are reported as unsupported). */
const FELIX_COMPILED_FIELDS: ReadonlySet<string> = new Set([
  "failsafeInboundHostPorts",
  "failsafeOutboundHostPorts",
  "defaultEndpointToHostAction",
  "iptablesMarkMask",
  "chainInsertMode",
  "iptablesFilterAllowAction",
  "iptablesMangleAllowAction",
  "ipipEnabled",
  "vxlanEnabled",
  "vxlanPort",
  "logPrefix",
]);

/**
 * One of `choices`, matched without regard to case as the CRD's patterns do (`^(?i)(Drop|Accept|
 * Return)?$`, api/pkg/apis/projectcalico/v3/felixconfig.go); "" is unset, as the config processor
 * reads an empty string (configurationprocessor.go).
 */
function oneOf<T extends string>(ctx: BuildContext, value: string | undefined, choices: readonly T[], path: string): T | undefined {
  if (value === undefined || value === "") return undefined;
  const found = choices.find((c) => c.toLowerCase() === value.toLowerCase());
  if (found === undefined) reportError(ctx, "invalid-value", `must be one of ${choices.join(", ")} (any case)`, path);
  return found;
}

type ProtoPortInput = NonNullable<In<typeof s.felixConfigurationSchema>["spec"]["failsafeInboundHostPorts"]>;

/**
 * Failsafe ports: the protocol is TCP, UDP or SCTP (libcalico-go/lib/validator/v3/validator.go,
 * `validateProtoPort`; absent means TCP, as the field's documentation says), the port 0-65535
 * (`uint16`), the net a CIDR or address.
 */
function failsafePorts(ctx: BuildContext, list: ProtoPortInput | undefined, path: string): FailsafePort[] | undefined {
  if (list === undefined) return undefined;
  const out: FailsafePort[] = [];
  list.forEach((p, i) => {
    const protocol = p.protocol === undefined || p.protocol === "" ? "tcp" : oneOf(ctx, p.protocol, ["TCP", "UDP", "SCTP"], `${path}.${i}.protocol`)?.toLowerCase();
    if (p.port < 0 || p.port > 65535) reportError(ctx, "invalid-value", "a port is 0-65535", `${path}.${i}.port`);
    const net = p.net === undefined || p.net === "" ? undefined : buildCidr(ctx, p.net, `${path}.${i}.net`);
    if (protocol === undefined || (p.net !== undefined && p.net !== "" && net === undefined)) return;
    out.push({ protocol: protocol as FailsafePort["protocol"], port: p.port, ...(net !== undefined ? { net } : {}) });
  });
  return out;
}

/**
 * A FelixConfiguration, checked as Felix parses each field (felix/config/config_params.go and
 * param_types.go): a value Felix rejects is an error here (Felix would die on it, `die-on-fail`).
 */
export function buildFelixConfiguration(ctx: BuildContext, input: In<typeof s.felixConfigurationSchema>): FelixConfiguration {
  const spec = input.spec;
  const name = input.metadata.name;
  const settings: FelixSettingsOverride = {};
  const inbound = failsafePorts(ctx, spec.failsafeInboundHostPorts, "spec.failsafeInboundHostPorts");
  if (inbound) settings.failsafeInboundHostPorts = inbound;
  const outbound = failsafePorts(ctx, spec.failsafeOutboundHostPorts, "spec.failsafeOutboundHostPorts");
  if (outbound) settings.failsafeOutboundHostPorts = outbound;
  const toHost = oneOf(ctx, spec.defaultEndpointToHostAction, ["Drop", "Accept", "Return"], "spec.defaultEndpointToHostAction");
  if (toHost) settings.defaultEndpointToHostAction = toHost;
  if (spec.iptablesMarkMask !== undefined) {
    // MarkBitmaskParam: a 32-bit value; Felix panics when it cannot allocate its marks (driver.go).
    if (spec.iptablesMarkMask < 0 || spec.iptablesMarkMask > 0xffffffff) {
      reportError(ctx, "invalid-value", "iptablesMarkMask is a 32-bit mask (0 to 4294967295)", "spec.iptablesMarkMask");
    } else if (!markBitsFromMask(spec.iptablesMarkMask)) {
      reportError(ctx, "invalid-value", `iptablesMarkMask needs at least ${FELIX_MARK_BITS_NEEDED} bits set (accept, pass, drop and two scratch bits)`, "spec.iptablesMarkMask");
    } else settings.iptablesMarkMask = spec.iptablesMarkMask;
  }
  const insert = oneOf(ctx, spec.chainInsertMode, ["Insert", "Append"], "spec.chainInsertMode");
  if (insert) settings.chainInsertMode = insert === "Insert" ? "insert" : "append";
  const filterAllow = oneOf(ctx, spec.iptablesFilterAllowAction, ["Accept", "Return"], "spec.iptablesFilterAllowAction");
  if (filterAllow) settings.iptablesFilterAllowAction = filterAllow;
  const mangleAllow = oneOf(ctx, spec.iptablesMangleAllowAction, ["Accept", "Return"], "spec.iptablesMangleAllowAction");
  if (mangleAllow) settings.iptablesMangleAllowAction = mangleAllow;
  if (spec.ipipEnabled !== undefined) settings.ipipEnabled = spec.ipipEnabled;
  if (spec.vxlanEnabled !== undefined) settings.vxlanEnabled = spec.vxlanEnabled;
  if (spec.vxlanPort !== undefined) {
    if (spec.vxlanPort < 1 || spec.vxlanPort > 65535) reportError(ctx, "invalid-value", "vxlanPort is a UDP port (1-65535)", "spec.vxlanPort");
    else settings.vxlanPort = spec.vxlanPort;
  }
  if (spec.logPrefix !== undefined && spec.logPrefix !== "") {
    if (!/^[a-zA-Z0-9%: /_-]*$/.test(spec.logPrefix)) reportError(ctx, "invalid-value", "logPrefix may hold only letters, digits and % : / _ - and spaces", "spec.logPrefix");
    else settings.logPrefix = spec.logPrefix;
  }
  const scope: FelixConfiguration["scope"] =
    name === FELIX_GLOBAL_CONFIG_NAME
      ? { kind: "global" }
      : name.startsWith(FELIX_NODE_CONFIG_PREFIX)
        ? { kind: "node", node: name.slice(FELIX_NODE_CONFIG_PREFIX.length) }
        : { kind: "selector" };
  return {
    kind: "FelixConfiguration",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    scope,
    settings,
    unsupported: Object.keys(spec).filter((k) => !FELIX_COMPILED_FIELDS.has(k)),
  };
}
