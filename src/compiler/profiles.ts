/**
 * Profiles as Felix sees them: Calico `Profile`s, v1 profiles (tags become labels), and the
 * profiles Calico derives from Kubernetes namespaces (`kns.<ns>`) and service accounts
 * (`ksa.<ns>.<sa>`).
 */
import type { EntityRule, Labels, Model, Origin, Resource, Rule } from "../model/types.js";
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

/** A profile a resource defines: Namespaces, ServiceAccounts, Profiles and V1Profiles; undefined for other kinds. */
export function definedProfile(r: Resource): ProfileInfo | undefined {
  switch (r.kind) {
    case "Namespace":
      return namespaceProfile(r.metadata.name, r.metadata.labels);
    case "ServiceAccount":
      return serviceAccountProfile(r.metadata.namespace ?? "default", r.metadata.name, r.metadata.labels);
    case "Profile":
      return { name: r.metadata.name, labels: r.labelsToApply, ingress: r.ingress, egress: r.egress, origin: r.origin };
    case "V1Profile": {
      const labels: Record<string, string> = {};
      for (const tag of [r.metadata.name, ...r.tags]) labels[tag] = "";
      Object.assign(labels, r.metadata.labels);
      return { name: r.metadata.name, labels, ingress: r.ingress, egress: r.egress, origin: r.origin };
    }
    default:
      return undefined;
  }
}

/**
 * Which definition of a profile name Felix uses: the built-in default-allow one first, then the
 * one derived from a Namespace or ServiceAccount (kube-controllers writes `kns.`/`ksa.` profiles
 * from the Kubernetes objects and overwrites any other), then a Profile or v1 profile (one name,
 * one resource: see resourceKey).
 */
export function chooseProfile(name: string, derived: ProfileInfo | undefined, written: ProfileInfo | undefined): ProfileInfo | undefined {
  return name === DEFAULT_ALLOW_PROFILE ? DEFAULT_ALLOW : (derived ?? written);
}

/** Whether a resource's profile is derived from a Kubernetes object (see `chooseProfile`). */
export function isDerivedProfile(r: Resource): boolean {
  return r.kind === "Namespace" || r.kind === "ServiceAccount";
}

/**
 * Every profile by name: the built-in default-allow one, then Namespaces, ServiceAccounts,
 * Profiles and V1Profiles.
 * A v1 profile gives its endpoints each of its tags, and its own name (every v1 profile carries
 * a tag equal to its name), as a label with an empty value, as Felix's tag indexing did.
 */
export function collectProfiles(model: Model): Map<string, ProfileInfo> {
  const derived = new Map<string, ProfileInfo>();
  const written = new Map<string, ProfileInfo>();
  for (const r of model.resources) {
    const p = definedProfile(r);
    if (!p) continue;
    const byName = isDerivedProfile(r) ? derived : written;
    // The first of two Profiles wins (validation reports the second).
    if (!byName.has(p.name)) byName.set(p.name, p);
  }
  const out = new Map<string, ProfileInfo>([[DEFAULT_ALLOW_PROFILE, DEFAULT_ALLOW]]);
  for (const name of new Set([...derived.keys(), ...written.keys()])) {
    const p = chooseProfile(name, derived.get(name), written.get(name));
    if (p) out.set(name, p);
  }
  return out;
}
