/**
 * Calico resources as their custom resources store them (`apiVersion: crd.projectcalico.org/v1`,
 * what `kubectl get globalnetworkpolicies.crd.projectcalico.org -o yaml` returns on clusters
 * without Calico's API server): the spec is the projectcalico.org/v3 spec, and Calico keeps the v3
 * metadata in the annotation `projectcalico.org/metadata`. Read as libcalico-go does it
 * (libcalico-go/lib/backend/k8s/resources/resources.go, `ConvertK8sResourceToCalicoResource`):
 *
 * - with the annotation: the v3 name is the annotation's (if it has one); labels and annotations
 *   are the resource's merged with the annotation's (the annotation's win), and the annotation
 *   itself is dropped;
 * - a (Global)NetworkPolicy of the default tier whose annotation names nothing loses the
 *   `default.` prefix older Calico versions stored (`determinePolicyName`).
 *
 * Anything it cannot read (not an object, bad JSON) is left for the schema to report.
 */

/** The annotation holding the v3 metadata. */
export const CALICO_METADATA_ANNOTATION = "projectcalico.org/metadata";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A crd.projectcalico.org/v1 document in its projectcalico.org/v3 form. */
export function fromCrdV1(plain: unknown): unknown {
  if (!isObj(plain) || !isObj(plain.metadata)) return plain;
  const metadata = plain.metadata;
  const annotations = isObj(metadata.annotations) ? metadata.annotations : undefined;
  const stored = annotations?.[CALICO_METADATA_ANNOTATION];
  if (typeof stored !== "string") return plain;
  let v3: unknown;
  try {
    v3 = JSON.parse(stored);
  } catch {
    return plain;
  }
  if (!isObj(v3)) return plain;
  const { [CALICO_METADATA_ANNOTATION]: _dropped, ...ownAnnotations } = annotations ?? {};
  const merged: Obj = { ...metadata };
  const labels = { ...(isObj(metadata.labels) ? metadata.labels : {}), ...(isObj(v3.labels) ? v3.labels : {}) };
  const allAnnotations = { ...ownAnnotations, ...(isObj(v3.annotations) ? v3.annotations : {}) };
  if (Object.keys(labels).length > 0) merged.labels = labels;
  else delete merged.labels;
  if (Object.keys(allAnnotations).length > 0) merged.annotations = allAnnotations;
  else delete merged.annotations;
  if (typeof v3.name === "string" && v3.name !== "") {
    merged.name = v3.name;
  } else if ((plain.kind === "NetworkPolicy" || plain.kind === "GlobalNetworkPolicy") && typeof metadata.name === "string") {
    const tier = isObj(plain.spec) ? plain.spec.tier : undefined;
    if (tier === undefined || tier === null || tier === "" || tier === "default") merged.name = metadata.name.replace(/^default\./, "");
  }
  return { ...plain, metadata: merged };
}
