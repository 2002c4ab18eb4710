/**
 * The resources of a model as Calico's etcdv3 datastore holds them, so that the same YAML drives a
 * one-shot `compile` or a live agent reading etcd:
 *
 * - Calico v3 kinds (and their crd.projectcalico.org/v1 twins) are stored as written, decoded as
 *   calicoctl decodes them, without server fields, with `types` defaulted as clientv3 does;
 * - Kubernetes objects become what fills etcd in Calico's etcd mode: a Namespace the profile
 *   `kns.<ns>` and a ServiceAccount the profile `ksa.<ns>.<sa>` (calico-kube-controllers,
 *   libcalico-go/lib/backend/k8s/conversion/conversion.go `NamespaceToProfile`,
 *   `ServiceAccountToProfile`); a pod that is an endpoint the WorkloadEndpoint the CNI plugin
 *   writes (cni-plugin/pkg/k8s/k8s.go); a NetworkPolicy the Calico NetworkPolicy
 *   `knp.default.<name>` that kube-controllers writes in etcd mode
 *   (kube-controllers/pkg/converter/networkpolicy_converter.go);
 * - EndpointSlices are not stored: Felix reads them only in Kubernetes-datastore mode
 *   (libcalico-go/lib/backend/syncersv1/felixsyncer/felixsyncerv1.go), so in etcd mode a rule's
 *   `services` matches nothing; calicoctl v1 resources are not part of the v3 layout.
 */
import { assertNever } from "../diagnostics/assertNever.js";
import { note, type Diagnostic } from "../diagnostics/diagnostic.js";
import {
  isReservedEndpointLabel,
  K8S_ORCHESTRATOR,
  NAME_LABEL,
  NAMESPACE_LABEL,
  NAMESPACE_LABEL_PREFIX,
  namespaceProfileName,
  ORCHESTRATOR_LABEL,
  podInterfaceName,
  SERVICE_ACCOUNT_LABEL,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  serviceAccountProfileName,
} from "../calico/index.js";
import { convertK8sPolicy } from "../compiler/k8sPolicy.js";
import { printSelector } from "../model/selector/index.js";
import { spanOf, type EntityRule, type Port, type Resource, type Rule } from "../model/types.js";
import { isCalicoKind, resourceKey, workloadEndpointName, type CalicoKind } from "./keys.js";

/** One resource as it goes into etcd. */
export interface StoredResource {
  readonly key: string;
  readonly kind: CalicoKind;
  readonly name: string;
  readonly namespace?: string;
  /** The resource as JSON (apiVersion, kind, metadata, spec). */
  readonly value: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

/** Metadata fields the server sets; never stored by a client (clientv3 resources.go clears them). */
const SERVER_FIELDS = ["resourceVersion", "selfLink", "managedFields", "generation", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "generateName"];

function cleanMetadata(meta: Obj, namespace: string | undefined): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(meta)) if (!SERVER_FIELDS.includes(k) && v !== undefined) out[k] = v;
  if (namespace !== undefined) out.namespace = namespace;
  return out;
}

function stored(kind: CalicoKind, name: string, namespace: string | undefined, metadata: Obj, spec: Obj, prefix: string): StoredResource {
  return {
    key: resourceKey(kind, name, namespace, prefix),
    kind,
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    value: { apiVersion: "projectcalico.org/v3", kind, metadata: { ...cleanMetadata(metadata, namespace), name }, spec },
  };
}

function portJson(p: Port): number | string {
  if (p.kind === "named") return p.name;
  return p.first === p.last ? p.first : `${p.first}:${p.last}`;
}

function entityJson(e: EntityRule): Obj | undefined {
  const out: Obj = {};
  if (e.nets.length > 0) out.nets = [...e.nets];
  if (e.notNets.length > 0) out.notNets = [...e.notNets];
  if (e.selector) out.selector = printSelector(e.selector.ast);
  if (e.notSelector) out.notSelector = printSelector(e.notSelector.ast);
  if (e.namespaceSelector) out.namespaceSelector = printSelector(e.namespaceSelector.ast);
  if (e.ports.length > 0) out.ports = e.ports.map(portJson);
  if (e.notPorts.length > 0) out.notPorts = e.notPorts.map(portJson);
  return Object.keys(out).length > 0 ? out : undefined;
}

function ruleJson(r: Rule): Obj {
  const source = entityJson(r.source);
  const destination = entityJson(r.destination);
  return { action: r.action, ...(r.protocol !== undefined ? { protocol: r.protocol } : {}), ...(source ? { source } : {}), ...(destination ? { destination } : {}) };
}

/** Calico's default policy types (api/pkg/defaults/networkpolicy.go). */
function defaultedTypes(spec: Obj): Obj {
  if (Array.isArray(spec.types) && spec.types.length > 0) return spec;
  const egress = Array.isArray(spec.egress) && spec.egress.length > 0;
  const ingress = Array.isArray(spec.ingress) && spec.ingress.length > 0;
  return { ...spec, types: egress ? (ingress ? ["Ingress", "Egress"] : ["Egress"]) : ["Ingress"] };
}

function prefixed(prefix: string, labels: Readonly<Record<string, string>>, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[prefix + k] = v;
  out[prefix + NAME_LABEL] = name;
  return out;
}

export interface ToStoredResult {
  readonly resources: readonly StoredResource[];
  /** What is not stored, and why. */
  readonly notes: readonly Diagnostic[];
}

/**
 * The stored form of every resource of the model. `decoded(resource)` gives the decoded document
 * of a Calico resource (what was written); Kubernetes objects are converted from the model.
 */
export function toStoredResources(resources: readonly Resource[], decoded: (r: Resource) => unknown, prefix: string): ToStoredResult {
  const out: StoredResource[] = [];
  const notes: Diagnostic[] = [];
  for (const r of resources) {
    const ns = r.metadata.namespace;
    switch (r.kind) {
      case "Namespace":
        out.push(stored("Profile", namespaceProfileName(r.metadata.name), undefined, {}, {
          ingress: [{ action: "Allow" }],
          egress: [{ action: "Allow" }],
          labelsToApply: prefixed(NAMESPACE_LABEL_PREFIX, r.metadata.labels, r.metadata.name),
        }, prefix));
        break;
      case "ServiceAccount":
        out.push(stored("Profile", serviceAccountProfileName(ns ?? "default", r.metadata.name), undefined, {}, { labelsToApply: prefixed(SERVICE_ACCOUNT_LABEL_PREFIX, r.metadata.labels, r.metadata.name) }, prefix));
        break;
      case "Pod": {
        // A pod is an endpoint when it is scheduled, has an address, is not on the host network and
        // not finished (conversion.go); the CNI plugin writes only those.
        if (r.hostNetwork || r.finished || r.ips.length === 0 || r.nodeName === undefined) break;
        const namespace = ns ?? "default";
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.metadata.labels)) if (!isReservedEndpointLabel(k)) labels[k] = v;
        Object.assign(labels, { [NAMESPACE_LABEL]: namespace, [ORCHESTRATOR_LABEL]: K8S_ORCHESTRATOR, [SERVICE_ACCOUNT_LABEL]: r.serviceAccountName });
        const name = workloadEndpointName(r.nodeName, K8S_ORCHESTRATOR, r.metadata.name, "eth0");
        out.push(stored("WorkloadEndpoint", name, namespace, { labels }, {
          orchestrator: K8S_ORCHESTRATOR,
          node: r.nodeName,
          pod: r.metadata.name,
          endpoint: "eth0",
          serviceAccountName: r.serviceAccountName,
          ipNetworks: r.ips.map((ip) => (ip.includes(":") ? `${ip}/128` : `${ip}/32`)),
          profiles: [namespaceProfileName(namespace), serviceAccountProfileName(namespace, r.serviceAccountName)],
          interfaceName: podInterfaceName(namespace, r.metadata.name),
          ports: r.ports.filter((p) => p.name !== undefined).map((p) => ({ name: p.name, protocol: p.protocol, port: p.containerPort })),
        }, prefix));
        break;
      }
      case "K8sNetworkPolicy": {
        const c = convertK8sPolicy(r);
        const namespace = ns ?? "default";
        out.push(stored("NetworkPolicy", `knp.default.${r.metadata.name}`, namespace, {}, {
          tier: "default",
          order: 1000,
          selector: printSelector(c.selector),
          types: r.policyTypes.length > 0 ? [...r.policyTypes] : ["Ingress"],
          ...(c.ingress.length > 0 ? { ingress: c.ingress.map(ruleJson) } : {}),
          ...(c.egress.length > 0 ? { egress: c.egress.map(ruleJson) } : {}),
        }, prefix));
        break;
      }
      case "EndpointSlice":
        notes.push(note("not-stored", "EndpointSlices are not stored in etcd: Felix reads them only with the Kubernetes datastore, so in etcd mode a rule's services match nothing", spanOf(r.origin, "kind")));
        break;
      case "NetworkPolicy":
      case "GlobalNetworkPolicy":
      case "Tier":
      case "Profile":
      case "NetworkSet":
      case "GlobalNetworkSet":
      case "HostEndpoint":
      case "WorkloadEndpoint":
      case "IPPool":
      case "Node":
      case "FelixConfiguration": {
        const doc = decoded(r) as Obj | undefined;
        if (!doc || !isCalicoKind(r.kind)) break;
        const meta = (doc.metadata ?? {}) as Obj;
        const spec = (doc.spec ?? {}) as Obj;
        const isPolicy = r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy";
        const namespace = r.kind === "NetworkPolicy" || r.kind === "NetworkSet" || r.kind === "WorkloadEndpoint" ? (ns ?? "default") : undefined;
        out.push(stored(r.kind, r.metadata.name, namespace, meta, isPolicy ? defaultedTypes(spec) : spec, prefix));
        break;
      }
      case "Workload":
        notes.push(note("not-stored", `${r.workloadKind}s are not stored in etcd: Calico's etcd holds the WorkloadEndpoints the CNI plugin writes for running pods`, spanOf(r.origin, "kind")));
        break;
      case "K8sNode":
        notes.push(note("not-stored", "Kubernetes Nodes are not stored in etcd: in etcd mode Felix reads the known hosts from Calico Nodes (projectcalico.org/v3 Node)", spanOf(r.origin, "kind")));
        break;
      case "ClusterNetworkPolicy":
        notes.push(note("not-stored", `${r.apiKind} is not stored in etcd: Calico reads the cluster-scoped policy kinds only with the Kubernetes datastore`, spanOf(r.origin, "kind")));
        break;
      case "V1Profile":
      case "V1Policy":
      case "V1WorkloadEndpoint":
      case "V1HostEndpoint":
      case "V1IPPool":
        notes.push(note("not-stored", "calicoctl v1 resources are not part of Calico's v3 etcd layout; convert them to v3 first (calicoctl convert)", spanOf(r.origin, "kind")));
        break;
      default:
        assertNever(r, "resource");
    }
  }
  return { resources: out, notes };
}
