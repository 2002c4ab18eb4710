/**
 * Schema pieces shared by every kind. Objects are strict so that unknown fields are reported
 * (as warnings, see parseWithSchema); fields policyc does not use but that real manifests carry are
 * listed as `z.unknown()` so they pass quietly.
 */
import { z } from "zod";

/** Labels or annotations: string keys and string values (`version: 1` must be quoted). */
export const stringMap = z.record(z.string(), z.string());

/** Metadata fields set by the API server; accepted and ignored. */
const serverFields = {
  uid: z.unknown().optional(),
  resourceVersion: z.unknown().optional(),
  creationTimestamp: z.unknown().optional(),
  deletionTimestamp: z.unknown().optional(),
  deletionGracePeriodSeconds: z.unknown().optional(),
  generation: z.unknown().optional(),
  generateName: z.unknown().optional(),
  ownerReferences: z.unknown().optional(),
  finalizers: z.unknown().optional(),
  managedFields: z.unknown().optional(),
  selfLink: z.unknown().optional(),
};

/** Kubernetes-style object metadata (Kubernetes kinds and Calico v3). */
export const objectMeta = z.strictObject({
  name: z.string(),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
  ...serverFields,
});

/** The envelope of every document: apiVersion and kind were checked by the dispatcher. */
export function resource<M extends z.ZodType, S extends z.ZodType>(metadata: M, spec: S) {
  return z.strictObject({ apiVersion: z.string(), kind: z.string(), metadata, spec });
}

/** A protocol as written: a number, or a name / digit string checked later. */
export const protocolValue = z.union([z.number().int(), z.string()]);

/** A port as written: a number, or a string (`"80"`, `"80:90"`, or a port name) checked later. */
export const portValue = z.union([z.number().int(), z.string()]);

export const ipVersion = z.union([z.literal(4), z.literal(6)]);

export const icmpFields = z.strictObject({ type: z.number().int().optional(), code: z.number().int().optional() });

/** An endpoint's named port (HostEndpoint / WorkloadEndpoint `ports`). */
export const endpointPort = z.strictObject({
  name: z.string(),
  protocol: z.enum(["TCP", "UDP", "SCTP"]),
  port: z.number().int(),
  hostPort: z.number().int().optional(),
  hostIP: z.string().optional(),
});
