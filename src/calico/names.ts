/**
 * Names Calico derives: the profiles it makes for Kubernetes namespaces and service accounts, its
 * built-in allow profile, and the host-side interface name of a pod's veth.
 */
import { createHash } from "node:crypto";

/** `kns.<ns>`: libcalico-go/lib/backend/k8s/conversion/constants.go `NamespaceProfileNamePrefix`. */
export function namespaceProfileName(ns: string): string {
  return `kns.${ns}`;
}

/** `ksa.<ns>.<sa>`: libcalico-go/lib/backend/k8s/conversion/constants.go `ServiceAccountProfileNamePrefix`. */
export function serviceAccountProfileName(ns: string, sa: string): string {
  return `ksa.${ns}.${sa}`;
}

/** Calico's built-in profile that allows everything (api/pkg/apis/projectcalico/v3/profile.go). */
export const DEFAULT_ALLOW_PROFILE = "projectcalico-default-allow";

/**
 * Calico CNI's host-side interface name for a pod: `cali` + the first 11 hex digits of
 * SHA-1(`<namespace>.<pod>`) (libcalico-go/lib/backend/k8s/conversion/workload_endpoint_default.go,
 * `VethNameForWorkload`, with the default prefix `cali`).
 */
export function podInterfaceName(namespace: string, pod: string): string {
  return "cali" + createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11);
}

/**
 * The prefix of the Calico NetworkPolicy that kube-controllers stores for a Kubernetes
 * NetworkPolicy in etcd mode: `knp.default.<name>`
 * (libcalico-go/lib/backend/k8s/conversion/constants.go `K8sNetworkPolicyNamePrefix`).
 */
export const K8S_NETWORK_POLICY_PREFIX = "knp.default.";

/** The namespace of a `kns.<ns>` profile name, if it is one. */
export function namespaceOfProfile(name: string): string | undefined {
  return name.startsWith("kns.") && name.length > 4 ? name.slice(4) : undefined;
}

/**
 * The namespace and service account of a `ksa.<ns>.<sa>` profile name, if it is one (a namespace
 * is a DNS label, without dots, so the first dot after the prefix ends it).
 */
export function serviceAccountOfProfile(name: string): { readonly namespace: string; readonly serviceAccount: string } | undefined {
  if (!name.startsWith("ksa.")) return undefined;
  const rest = name.slice(4);
  const dot = rest.indexOf(".");
  return dot > 0 && dot < rest.length - 1 ? { namespace: rest.slice(0, dot), serviceAccount: rest.slice(dot + 1) } : undefined;
}
