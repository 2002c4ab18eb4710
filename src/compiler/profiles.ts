/**
 * Profiles as Felix sees them: Calico `Profile`s, v1 profiles (tags become labels), and the
 * profiles Calico derives from Kubernetes namespaces (`kns.<ns>`) and service accounts
 * (`ksa.<ns>.<sa>`).
 */
import type { EntityRule, Labels, Model, Origin, Rule } from "../model/types.js";
import {
  DEFAULT_ALLOW_PROFILE,
  NAME_LABEL,
  NAMESPACE_LABEL_PREFIX,
  namespaceProfileName,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  serviceAccountProfileName,
} from "../calico/index.js";

export { namespaceProfileName, serviceAccountProfileName } from "../calico/index.js";

/** A resolved profile: the labels it gives its endpoints and its rules. */
export interface ProfileInfo {
  readonly name: string;
  readonly labels: Labels;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  /** The defining resource, when there is one. */
  readonly origin?: Origin;
}

export const EMPTY_ENTITY: EntityRule = { nets: [], notNets: [], ports: [], notPorts: [] };

/** An unconditional Allow rule (the namespace profile's only rule in each direction). */
export const ALLOW_ALL: Rule = { action: "Allow", source: EMPTY_ENTITY, destination: EMPTY_ENTITY, path: "" };

/** `kns.<ns>`: the namespace's labels under `pcns.` plus `pcns.projectcalico.org/name`; allows all. */
export function namespaceProfile(ns: string, labels: Labels): ProfileInfo {
  return {
    name: namespaceProfileName(ns),
    labels: prefixLabels(NAMESPACE_LABEL_PREFIX, { ...labels, [NAME_LABEL]: ns }),
    ingress: [ALLOW_ALL],
    egress: [ALLOW_ALL],
  };
}

/** `ksa.<ns>.<sa>`: the account's labels under `pcsa.` plus `pcsa.projectcalico.org/name`; no rules. */
export function serviceAccountProfile(ns: string, sa: string, labels: Labels): ProfileInfo {
  return {
    name: serviceAccountProfileName(ns, sa),
    labels: prefixLabels(SERVICE_ACCOUNT_LABEL_PREFIX, { ...labels, [NAME_LABEL]: sa }),
    ingress: [],
    egress: [],
  };
}

function prefixLabels(prefix: string, labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[prefix + k] = v;
  return out;
}

/**
 * Calico's built-in `projectcalico-default-allow`: one Allow rule each way, served by every
 * datastore without a resource behind it (libcalico-go/lib/resources/static.go
 * `DefaultAllowProfile`; libcalico-go/lib/clientv3/profile.go refuses to create or change it).
 */
export const DEFAULT_ALLOW: ProfileInfo = { name: DEFAULT_ALLOW_PROFILE, labels: {}, ingress: [ALLOW_ALL], egress: [ALLOW_ALL] };

/**
 * Every profile by name: the built-in default-allow one, then Namespaces, ServiceAccounts,
 * Profiles and V1Profiles.
 * A v1 profile gives its endpoints each of its tags, and its own name (every v1 profile carries
 * a tag equal to its name), as a label with an empty value, as Felix's tag indexing did.
 */
export function collectProfiles(model: Model): Map<string, ProfileInfo> {
  const out = new Map<string, ProfileInfo>([[DEFAULT_ALLOW_PROFILE, DEFAULT_ALLOW]]);
  const derivedNames = new Set<string>();
  for (const r of model.resources) {
    if (r.kind === "Namespace") derivedNames.add(namespaceProfileName(r.metadata.name));
    else if (r.kind === "ServiceAccount") derivedNames.add(serviceAccountProfileName(r.metadata.namespace ?? "default", r.metadata.name));
  }
  for (const r of model.resources) {
    switch (r.kind) {
      case "Namespace":
        out.set(namespaceProfileName(r.metadata.name), namespaceProfile(r.metadata.name, r.metadata.labels));
        break;
      case "ServiceAccount": {
        const ns = r.metadata.namespace ?? "default";
        out.set(serviceAccountProfileName(ns, r.metadata.name), serviceAccountProfile(ns, r.metadata.name, r.metadata.labels));
        break;
      }
      case "Profile":
        // A namespace's or service account's own profile wins over a hand-written one of the same
        // name (kube-controllers writes `kns.`/`ksa.` profiles from the Kubernetes objects and
        // overwrites any other), and the first of two Profiles wins (validation reports the second).
        if (!out.has(r.metadata.name) && !derivedNames.has(r.metadata.name)) {
          out.set(r.metadata.name, { name: r.metadata.name, labels: r.labelsToApply, ingress: r.ingress, egress: r.egress, origin: r.origin });
        }
        break;
      case "V1Profile": {
        const labels: Record<string, string> = {};
        for (const tag of [r.metadata.name, ...r.tags]) labels[tag] = "";
        Object.assign(labels, r.metadata.labels);
        if (!out.has(r.metadata.name) && !derivedNames.has(r.metadata.name)) {
          out.set(r.metadata.name, { name: r.metadata.name, labels, ingress: r.ingress, egress: r.egress, origin: r.origin });
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}
