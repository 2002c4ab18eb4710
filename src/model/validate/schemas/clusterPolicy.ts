/**
 * Schemas of SIG Network's cluster-scoped policy kinds (policy.networking.k8s.io):
 * `ClusterNetworkPolicy` (v1alpha2) and its predecessors `AdminNetworkPolicy` and
 * `BaselineAdminNetworkPolicy` (v1alpha1). Bounds, enums and list sizes are those of the CRDs
 * (kubernetes-sigs/network-policy-api apis/v1alpha2/clusternetworkpolicy_types.go,
 * apis/v1alpha1/{adminnetworkpolicy,baselineadminnetworkpolicy,shared_types}.go kubebuilder
 * markers); "exactly one field" (MinProperties/MaxProperties 1) and the CEL rules are checked by
 * the builder, which can say which fields clash.
 */
import { z } from "zod";
import { objectMeta } from "./common.js";
import { labelSelectorSchema } from "./kubernetes.js";

const envelope = { apiVersion: z.string(), kind: z.string(), metadata: objectMeta };
const portNumber = z.number().int().min(1).max(65535);
/** `CIDR`: at most 43 characters; `isCIDR` is checked by the builder. */
const cidr = z.string().max(43);
const ruleName = z.string().max(100);
const protocolName = z.enum(["TCP", "UDP", "SCTP"]);

/** v1alpha2 `NamespacedPod`: namespaceSelector optional, podSelector required. */
const namespacedPodV2 = z.strictObject({ namespaceSelector: labelSelectorSchema.optional(), podSelector: labelSelectorSchema });
/** v1alpha1 `NamespacedPod`: both selectors required. */
const namespacedPodV1 = z.strictObject({ namespaceSelector: labelSelectorSchema, podSelector: labelSelectorSchema });

const subject = (pods: typeof namespacedPodV1 | typeof namespacedPodV2) =>
  z.strictObject({ namespaces: labelSelectorSchema.optional(), pods: pods.optional() });

const ingressPeer = (pods: typeof namespacedPodV1 | typeof namespacedPodV2) =>
  z.strictObject({ namespaces: labelSelectorSchema.optional(), pods: pods.optional() });

const egressPeerFields = (pods: typeof namespacedPodV1 | typeof namespacedPodV2) => ({
  namespaces: labelSelectorSchema.optional(),
  pods: pods.optional(),
  nodes: labelSelectorSchema.optional(),
  networks: z.array(cidr).min(1).max(25).optional(),
});

/** An egress peer; BaselineAdminNetworkPolicy has no domainNames. */
const egressPeer = (pods: typeof namespacedPodV1 | typeof namespacedPodV2) =>
  z.strictObject({ ...egressPeerFields(pods), domainNames: z.array(z.string()).min(1).max(25).optional() });
const baselineEgressPeer = z.strictObject(egressPeerFields(namespacedPodV1));

// ---------------------------------------------------------------------------------------------
// v1alpha2

const destinationPort = z.strictObject({
  number: portNumber.optional(),
  range: z.strictObject({ start: portNumber, end: portNumber }).optional(),
});

const protocolV2 = z.strictObject({
  tcp: z.strictObject({ destinationPort: destinationPort.optional() }).optional(),
  udp: z.strictObject({ destinationPort: destinationPort.optional() }).optional(),
  sctp: z.strictObject({ destinationPort: destinationPort.optional() }).optional(),
  destinationNamedPort: z.string().optional(),
});

const protocolsV2 = z.array(protocolV2).min(1).max(25);

export const clusterNetworkPolicySchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({
    tier: z.enum(["Admin", "Baseline"]),
    priority: z.number().int().min(0).max(1000),
    subject: subject(namespacedPodV2),
    ingress: z
      .array(
        z.strictObject({
          name: ruleName.optional(),
          action: z.enum(["Accept", "Deny", "Pass"]),
          from: z.array(ingressPeer(namespacedPodV2)).min(1).max(25),
          protocols: protocolsV2.optional(),
        }),
      )
      .max(25)
      .optional(),
    egress: z
      .array(
        z.strictObject({
          name: ruleName.optional(),
          action: z.enum(["Accept", "Deny", "Pass"]),
          to: z.array(egressPeer(namespacedPodV2)).min(1).max(25),
          protocols: protocolsV2.optional(),
        }),
      )
      .max(25)
      .optional(),
  }),
  status: z.unknown().optional(),
});

// ---------------------------------------------------------------------------------------------
// v1alpha1

const portV1 = z.strictObject({
  portNumber: z.strictObject({ protocol: protocolName.optional(), port: portNumber }).optional(),
  namedPort: z.string().optional(),
  portRange: z.strictObject({ protocol: protocolName.optional(), start: portNumber, end: portNumber }).optional(),
});

const portsV1 = z.array(portV1).min(1).max(100);

const v1Rules = <A extends z.ZodType, P extends z.ZodType>(action: A, egressPeerSchema: P) => ({
  ingress: z
    .array(z.strictObject({ name: ruleName.optional(), action, from: z.array(ingressPeer(namespacedPodV1)).min(1).max(100), ports: portsV1.optional() }))
    .max(100)
    .optional(),
  egress: z
    .array(z.strictObject({ name: ruleName.optional(), action, to: z.array(egressPeerSchema).min(1).max(100), ports: portsV1.optional() }))
    .max(100)
    .optional(),
});

export const adminNetworkPolicySchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({
    priority: z.number().int().min(0).max(1000),
    subject: subject(namespacedPodV1),
    ...v1Rules(z.enum(["Allow", "Deny", "Pass"]), egressPeer(namespacedPodV1)),
  }),
  status: z.unknown().optional(),
});

export const baselineAdminNetworkPolicySchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({ subject: subject(namespacedPodV1), ...v1Rules(z.enum(["Allow", "Deny"]), baselineEgressPeer) }),
  status: z.unknown().optional(),
});

export type ClusterNetworkPolicyInput = z.output<typeof clusterNetworkPolicySchema>;
export type AdminNetworkPolicyInput = z.output<typeof adminNetworkPolicySchema>;
export type BaselineAdminNetworkPolicyInput = z.output<typeof baselineAdminNetworkPolicySchema>;
