/**
 * Schemas of the Kubernetes kinds: Namespace, Pod, ServiceAccount and networking.k8s.io/v1
 * NetworkPolicy. Pods, namespaces and service accounts are loose (their specs are large and only a
 * few fields matter to policy); NetworkPolicy is strict, since a misspelt field changes its meaning.
 */
import { z } from "zod";
import { objectMeta, stringMap } from "./common.js";

const envelope = { apiVersion: z.string(), kind: z.string(), metadata: objectMeta };

export const namespaceSchema = z.looseObject(envelope);

/**
 * A Kubernetes Node: Felix reads its `status.addresses` (InternalIP, ExternalIP) and the Calico
 * annotations on it (libcalico-go/lib/backend/k8s/resources/node.go); the rest is the kubelet's.
 */
export const k8sNodeSchema = z.looseObject({
  ...envelope,
  spec: z.unknown().optional(),
  status: z
    .looseObject({ addresses: z.array(z.looseObject({ type: z.string(), address: z.string() })).optional() })
    .optional(),
});

export const serviceAccountSchema = z.looseObject(envelope);

const containerPort = z.looseObject({
  name: z.string().optional(),
  containerPort: z.number().int(),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
});

const container = z.looseObject({ name: z.string().optional(), ports: z.array(containerPort).optional() });

export const podSchema = z.looseObject({
  ...envelope,
  spec: z
    .looseObject({
      nodeName: z.string().optional(),
      serviceAccountName: z.string().optional(),
      serviceAccount: z.string().optional(),
      hostNetwork: z.boolean().optional(),
      containers: z.array(container).optional(),
    })
    .optional(),
  status: z
    .looseObject({
      phase: z.string().optional(),
      podIP: z.string().optional(),
      podIPs: z.array(z.looseObject({ ip: z.string() })).optional(),
    })
    .optional(),
});

/** discovery.k8s.io/v1 EndpointSlice: only what Felix reads for a rule's `services`. */
export const endpointSliceSchema = z.looseObject({
  ...envelope,
  addressType: z.string(),
  endpoints: z.array(z.looseObject({ addresses: z.array(z.string()) })).optional(),
  ports: z
    .array(
      z.looseObject({
        name: z.string().optional(),
        port: z.number().int().optional(),
        protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
      }),
    )
    .optional(),
});

export const labelSelectorSchema = z.strictObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.strictObject({
        key: z.string(),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});

const peer = z.strictObject({
  podSelector: labelSelectorSchema.optional(),
  namespaceSelector: labelSelectorSchema.optional(),
  ipBlock: z.strictObject({ cidr: z.string(), except: z.array(z.string()).optional() }).optional(),
});

const policyPort = z.strictObject({
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional(),
  port: z.union([z.number().int(), z.string()]).optional(),
  endPort: z.number().int().optional(),
});

export const k8sNetworkPolicySchema = z.strictObject({
  ...envelope,
  spec: z.strictObject({
    podSelector: labelSelectorSchema,
    policyTypes: z.array(z.enum(["Ingress", "Egress"])).optional(),
    ingress: z.array(z.strictObject({ from: z.array(peer).optional(), ports: z.array(policyPort).optional() })).optional(),
    egress: z.array(z.strictObject({ to: z.array(peer).optional(), ports: z.array(policyPort).optional() })).optional(),
  }),
  status: z.unknown().optional(),
});

export type K8sNetworkPolicyInput = z.output<typeof k8sNetworkPolicySchema>;
export type LabelSelectorInput = z.output<typeof labelSelectorSchema>;
export type PodInput = z.output<typeof podSchema>;
export type K8sNodeInput = z.output<typeof k8sNodeSchema>;
export type EndpointSliceInput = z.output<typeof endpointSliceSchema>;

/**
 * A pod template (`spec.template` of a workload): what policy reads of the pods it makes, the
 * labels, the service account, the host network and the container ports. Loose, as Pod is.
 */
const podTemplate = z.looseObject({
  metadata: z.looseObject({ labels: stringMap.optional() }).optional(),
  spec: z
    .looseObject({
      serviceAccountName: z.string().optional(),
      serviceAccount: z.string().optional(),
      hostNetwork: z.boolean().optional(),
      containers: z.array(container).optional(),
    })
    .optional(),
});

/** apps/v1 Deployment, StatefulSet, DaemonSet, ReplicaSet and batch/v1 Job: a pod template at `spec.template`. */
export const workloadSchema = z.looseObject({ ...envelope, spec: z.looseObject({ template: podTemplate.optional() }).optional() });

/** batch/v1 CronJob: the pod template at `spec.jobTemplate.spec.template`. */
export const cronJobSchema = z.looseObject({
  ...envelope,
  spec: z.looseObject({ jobTemplate: z.looseObject({ spec: z.looseObject({ template: podTemplate.optional() }).optional() }).optional() }).optional(),
});

export type PodTemplateInput = z.output<typeof podTemplate>;
export type WorkloadInput = z.output<typeof workloadSchema>;
export type CronJobInput = z.output<typeof cronJobSchema>;
