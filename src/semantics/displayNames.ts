/**
 * The names people know policies and profiles by, for what `explain`, `matrix` and `diff` print:
 * the one place that turns the evaluator's ids (a step's policy kind and display name, a profile's
 * Calico name) into them. Calico's derived names never reach a person: a Kubernetes NetworkPolicy
 * is `NetworkPolicy shop/web-to-api` (also when it was read from etcd as Calico's
 * `knp.default.web-to-api`), a namespace's profile `kns.shop` is `namespace shop`, a service
 * account's `ksa.shop.api` is `service account shop/api`. JSON output keeps the ids next to these.
 */
import { K8S_NETWORK_POLICY_PREFIX, namespaceOfProfile, serviceAccountOfProfile } from "../calico/index.js";
import type { PolicyKind } from "./types.js";

/** `NetworkPolicy shop/web-to-api`, `Calico NetworkPolicy shop/db`, `GlobalNetworkPolicy x`, `ClusterNetworkPolicy y`. */
export function policyName(kind: PolicyKind, display: string): string {
  switch (kind) {
    case "K8sNetworkPolicy":
      return `NetworkPolicy ${display}`;
    case "NetworkPolicy": {
      // `ns/knp.default.<name>`: the Kubernetes NetworkPolicy `ns/<name>` as etcd stores it.
      const slash = display.indexOf("/");
      const name = display.slice(slash + 1);
      if (name.startsWith(K8S_NETWORK_POLICY_PREFIX)) return `NetworkPolicy ${display.slice(0, slash + 1)}${name.slice(K8S_NETWORK_POLICY_PREFIX.length)}`;
      return `Calico NetworkPolicy ${display}`;
    }
    case "GlobalNetworkPolicy":
      return `GlobalNetworkPolicy ${display}`;
    case "V1Policy":
      return `calicoctl v1 policy ${display}`;
    case "ClusterNetworkPolicy":
      return `ClusterNetworkPolicy ${display}`;
    case "AdminNetworkPolicy":
      return `AdminNetworkPolicy ${display}`;
    case "BaselineAdminNetworkPolicy":
      return `BaselineAdminNetworkPolicy ${display}`;
  }
}

/** `namespace shop`, `service account shop/api`, `profile z`. */
export function profileName(name: string): string {
  const ns = namespaceOfProfile(name);
  if (ns !== undefined) return `namespace ${ns}`;
  const sa = serviceAccountOfProfile(name);
  if (sa !== undefined) return `service account ${sa.namespace}/${sa.serviceAccount}`;
  return `profile ${name}`;
}
