/**
 * Schemas of the Calico projectcalico.org/v3 kinds (api/pkg/apis/projectcalico/v3).
 */
import { z } from "zod";
import { endpointPort, objectMeta, resource, stringMap } from "./common.js";
import { ruleSchema } from "./calicoRule.js";

const policyType = z.enum(["Ingress", "Egress"]);

const policyCommon = {
  tier: z.string().optional(),
  order: z.number().optional(),
  selector: z.string().optional(),
  serviceAccountSelector: z.string().optional(),
  // Calico's CRD allows one or two entries; duplicates are checked by a semantic rule.
  types: z.array(policyType).min(1).max(2).optional(),
  ingress: z.array(ruleSchema).optional(),
  egress: z.array(ruleSchema).optional(),
  performanceHints: z.array(z.enum(["AssumeNeededOnEveryNode"])).optional(),
};

// A policy with no spec is valid: it selects all() and, having no rules, denies ingress.
export const networkPolicySchema = resource(objectMeta, z.strictObject(policyCommon).default({}));

export const globalNetworkPolicySchema = resource(
  objectMeta,
  z.strictObject({
    ...policyCommon,
    namespaceSelector: z.string().optional(),
    doNotTrack: z.boolean().optional(),
    preDNAT: z.boolean().optional(),
    applyOnForward: z.boolean().optional(),
  }).default({}),
);

export const tierSchema = resource(
  objectMeta,
  z.strictObject({ order: z.number().optional(), defaultAction: z.enum(["Deny", "Pass"]).optional() }).optional(),
);

export const profileSchema = resource(
  objectMeta,
  z
    .strictObject({
      ingress: z.array(ruleSchema).optional(),
      egress: z.array(ruleSchema).optional(),
      labelsToApply: stringMap.optional(),
    })
    .optional(),
);

const netsSpec = z.strictObject({ nets: z.array(z.string()).optional() }).optional();

export const networkSetSchema = resource(objectMeta, netsSpec);

export const globalNetworkSetSchema = resource(objectMeta, netsSpec);

export const hostEndpointSchema = resource(
  objectMeta,
  z.strictObject({
    node: z.string(),
    interfaceName: z.string().optional(),
    expectedIPs: z.array(z.string()).optional(),
    profiles: z.array(z.string()).optional(),
    ports: z.array(endpointPort).optional(),
  }),
);

export const workloadEndpointSchema = resource(
  objectMeta,
  z.strictObject({
    node: z.string(),
    orchestrator: z.string().optional(),
    workload: z.string().optional(),
    pod: z.string().optional(),
    endpoint: z.string().optional(),
    containerID: z.string().optional(),
    interfaceName: z.string().optional(),
    mac: z.string().optional(),
    ipNetworks: z.array(z.string()).optional(),
    ipNATs: z.unknown().optional(),
    ipv4Gateway: z.string().optional(),
    ipv6Gateway: z.string().optional(),
    profiles: z.array(z.string()).optional(),
    serviceAccountName: z.string().optional(),
    ports: z.array(endpointPort).optional(),
    allowSpoofedSourcePrefixes: z.array(z.string()).optional(),
  }),
);

const encapMode = z.enum(["Never", "Always", "CrossSubnet"]);

export const ipPoolSchema = resource(
  objectMeta,
  z.strictObject({
    cidr: z.string(),
    ipipMode: encapMode.optional(),
    vxlanMode: encapMode.optional(),
    natOutgoing: z.boolean().optional(),
    disabled: z.boolean().optional(),
    blockSize: z.number().int().optional(),
    nodeSelector: z.string().optional(),
    allowedUses: z.array(z.string()).optional(),
    disableBGPExport: z.boolean().optional(),
    assignmentMode: z.string().optional(),
  }),
);

export type NetworkPolicyInput = z.output<typeof networkPolicySchema>;
export type GlobalNetworkPolicyInput = z.output<typeof globalNetworkPolicySchema>;

/**
 * A Calico Node (libcalico-go/lib/apis/internalapi/node.go). Felix reads its addresses for the
 * known-hosts sets; the other fields (routing, WireGuard, interfaces) are accepted and listed.
 */
export const nodeSchema = z.strictObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: objectMeta,
  spec: z
    .strictObject({
      bgp: z
        .strictObject({
          asNumber: z.union([z.number().int(), z.string()]).optional(),
          ipv4Address: z.string().optional(),
          ipv6Address: z.string().optional(),
          ipv4IPIPTunnelAddr: z.string().optional(),
          routeReflectorClusterID: z.string().optional(),
        })
        .optional(),
      ipv4VXLANTunnelAddr: z.string().optional(),
      vxlanTunnelMACAddr: z.string().optional(),
      ipv6VXLANTunnelAddr: z.string().optional(),
      vxlanTunnelMACAddrV6: z.string().optional(),
      orchRefs: z.array(z.strictObject({ nodeName: z.string().optional(), orchestrator: z.string() })).optional(),
      wireguard: z.strictObject({ interfaceIPv4Address: z.string().optional(), interfaceIPv6Address: z.string().optional() }).optional(),
      addresses: z.array(z.strictObject({ address: z.string(), type: z.string().optional() })).optional(),
      interfaces: z.array(z.strictObject({ name: z.string().optional(), addresses: z.array(z.string()).optional() })).optional(),
    })
    .optional(),
  status: z.unknown().optional(),
});

/** A failsafe entry (v3 `ProtoPort`, api/pkg/apis/projectcalico/v3/felixconfig.go). */
const protoPort = z.strictObject({ protocol: z.string().optional(), port: z.number().int(), net: z.string().optional() });

/**
 * FelixConfiguration: the fields that shape the ruleset are typed; Felix has some two hundred
 * others, which are accepted here and reported as unsupported by the builder (never ignored).
 */
export const felixConfigurationSchema = resource(
  objectMeta,
  z
    .looseObject({
      failsafeInboundHostPorts: z.array(protoPort).optional(),
      failsafeOutboundHostPorts: z.array(protoPort).optional(),
      defaultEndpointToHostAction: z.string().optional(),
      iptablesMarkMask: z.number().int().optional(),
      chainInsertMode: z.string().optional(),
      iptablesFilterAllowAction: z.string().optional(),
      iptablesMangleAllowAction: z.string().optional(),
      ipipEnabled: z.boolean().optional(),
      vxlanEnabled: z.boolean().optional(),
      vxlanPort: z.number().int().optional(),
      logPrefix: z.string().optional(),
    })
    .default({}),
);
