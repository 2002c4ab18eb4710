/**
 * Label names that Calico and Kubernetes stamp on resources, and the prefixes under which Calico
 * copies namespace and service-account labels onto their profiles.
 * Upstream: calico api/pkg/apis/projectcalico/v3/constants.go (`LabelNamespace`, ...),
 * libcalico-go/lib/backend/k8s/conversion/constants.go (`NamespaceLabelPrefix`, ...).
 */

/** The namespace of a workload endpoint or network set. */
export const NAMESPACE_LABEL = "projectcalico.org/namespace";
/** The service account of a workload endpoint. */
export const SERVICE_ACCOUNT_LABEL = "projectcalico.org/serviceaccount";
/** `k8s` for pods; what a WorkloadEndpoint's `orchestrator` says otherwise. */
export const ORCHESTRATOR_LABEL = "projectcalico.org/orchestrator";
/** The name of the namespace or service account, on its profile (under the prefixes below). */
export const NAME_LABEL = "projectcalico.org/name";
/** A namespace's labels, as its `kns.` profile carries them. */
export const NAMESPACE_LABEL_PREFIX = "pcns.";
/** A service account's labels, as its `ksa.` profile carries them. */
export const SERVICE_ACCOUNT_LABEL_PREFIX = "pcsa.";
/** The orchestrator value of pods. */
export const K8S_ORCHESTRATOR = "k8s";

/**
 * The label the Kubernetes API server sets on every Namespace (to the namespace's name,
 * overwriting any value given): kubernetes pkg/registry/core/namespace/strategy.go,
 * `PrepareForCreate`/`PrepareForUpdate` (GA in Kubernetes 1.22).
 */
export const K8S_NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Whether a workload's own label is one Calico strips (it may not fake namespace or account labels). */
export function isReservedEndpointLabel(key: string): boolean {
  return key.startsWith(NAMESPACE_LABEL_PREFIX) || key.startsWith(SERVICE_ACCOUNT_LABEL_PREFIX);
}
