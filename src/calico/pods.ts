/**
 * Which pods are Calico workload endpoints: libcalico-go/lib/backend/k8s/conversion/conversion.go.
 * A pod is one when it is scheduled (`spec.nodeName`), not on the host network, has an address, and
 * is not finished (`IsFinished`).
 */

/** The annotation Calico CNI empties when it unplugs a deleted pod (conversion.go `AnnotationPodIP`). */
export const CALICO_POD_IP_ANNOTATION = "cni.projectcalico.org/podIP";
/** The same, for the AWS VPC CNI (conversion.go `AnnotationAWSPodIPs`). */
export const AWS_POD_IPS_ANNOTATION = "vpc.amazonaws.com/pod-ips";

/** What `IsFinished` looks at. */
export interface PodLifecycle {
  readonly phase?: string;
  readonly deleting: boolean;
  readonly annotations: Readonly<Record<string, string>>;
}

/**
 * conversion.go `IsFinished`: phase Failed, Succeeded (or the undocumented Completed); or being
 * deleted with the CNI's address annotation already emptied.
 */
export function isFinishedPod(pod: PodLifecycle): boolean {
  if (pod.deleting && (pod.annotations[CALICO_POD_IP_ANNOTATION] === "" || pod.annotations[AWS_POD_IPS_ANNOTATION] === "")) return true;
  return pod.phase === "Failed" || pod.phase === "Succeeded" || pod.phase === "Completed";
}
