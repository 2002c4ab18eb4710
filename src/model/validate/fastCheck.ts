/**
 * Exact fast checks for the kinds a big cluster is made of (pods, namespaces, service accounts,
 * endpoint slices, workload endpoints): plain functions that say whether a document's plain value
 * is one that `goDecode` leaves as it is and the kind's zod schema accepts without any issue.
 * When a check says yes, the value itself is the schema's output as far as the builders can tell
 * (the schemas here only check; a loose object's output is its input with the same values), so
 * validation skips both. When it says no, nothing is lost: the value goes through `goDecode` and
 * zod as before. So a check may refuse more than zod does, but must never accept what zod would
 * refuse or change; `fastCheck.test.ts` holds each one to its schema.
 *
 * The caller only asks for values without nulls (`FastDocument.exotic`): Go's null decoding is
 * the one thing `goDecode` does for the API server's kinds. For calicoctl's kinds it also turns
 * numbers in string fields into strings, so string fields here must hold strings.
 */
import type { z } from "zod";
import type { KindHandler } from "./kinds.js";
import { podSchema, namespaceSchema, serviceAccountSchema, endpointSliceSchema } from "./schemas/kubernetes.js";
import { workloadEndpointSchema } from "./schemas/calicoV3.js";

type Check = (value: unknown) => boolean;

/** Whether `value` passes the kind's exact fast check (false for kinds without one). */
export function fastCheck(handler: KindHandler, value: unknown): boolean {
  const check = checks.get(handler.schema);
  return check !== undefined && check(value);
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isString = (v: unknown): boolean => typeof v === "string";
const optString = (v: unknown): boolean => v === undefined || typeof v === "string";
const optBoolean = (v: unknown): boolean => v === undefined || typeof v === "boolean";
/** `z.number().int()`: a safe integer. */
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const optInt = (v: unknown): boolean => v === undefined || Number.isSafeInteger(v);
const protocols = new Set(["TCP", "UDP", "SCTP"]);
const optProtocol = (v: unknown): boolean => v === undefined || (typeof v === "string" && protocols.has(v));

function optArray(v: unknown, item: Check): boolean {
  if (v === undefined) return true;
  if (!Array.isArray(v)) return false;
  for (const x of v) if (!item(x)) return false;
  return true;
}

/** `stringMap`: an object of strings. */
function stringMap(v: unknown): boolean {
  if (!isObj(v)) return false;
  for (const key of Object.keys(v)) if (typeof v[key] !== "string") return false;
  return true;
}

const optStringMap = (v: unknown): boolean => v === undefined || stringMap(v);

/** Every key of `v` is one of `known` (a strict object). */
function onlyKeys(v: Obj, known: ReadonlySet<string>): boolean {
  for (const key of Object.keys(v)) if (!known.has(key)) return false;
  return true;
}

const metaKeys = new Set([
  "name",
  "namespace",
  "labels",
  "annotations",
  "uid",
  "resourceVersion",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "generation",
  "generateName",
  "ownerReferences",
  "finalizers",
  "managedFields",
  "selfLink",
]);

/** `objectMeta` (strict; the server fields are `unknown`). */
function objectMeta(v: unknown): boolean {
  return isObj(v) && onlyKeys(v, metaKeys) && isString(v.name) && optString(v.namespace) && optStringMap(v.labels) && optStringMap(v.annotations);
}

/** The loose envelope of the Kubernetes kinds. */
function envelope(v: unknown): v is Obj {
  return isObj(v) && isString(v.apiVersion) && isString(v.kind) && objectMeta(v.metadata);
}

const containerPort = (v: unknown): boolean => isObj(v) && optString(v.name) && isInt(v.containerPort) && optProtocol(v.protocol);

const container = (v: unknown): boolean => isObj(v) && optString(v.name) && optArray(v.ports, containerPort);

function podSpec(v: unknown): boolean {
  if (v === undefined) return true;
  return (
    isObj(v) &&
    optString(v.nodeName) &&
    optString(v.serviceAccountName) &&
    optString(v.serviceAccount) &&
    optBoolean(v.hostNetwork) &&
    optArray(v.containers, container)
  );
}

const podIP = (v: unknown): boolean => isObj(v) && isString(v.ip);

function podStatus(v: unknown): boolean {
  if (v === undefined) return true;
  return isObj(v) && optString(v.phase) && optString(v.podIP) && optArray(v.podIPs, podIP);
}

const pod: Check = (v) => envelope(v) && podSpec(v.spec) && podStatus(v.status);

const sliceEndpoint = (v: unknown): boolean => isObj(v) && Array.isArray(v.addresses) && v.addresses.every(isString);

const slicePort = (v: unknown): boolean => isObj(v) && optString(v.name) && optInt(v.port) && optProtocol(v.protocol);

const endpointSlice: Check = (v) => envelope(v) && isString(v.addressType) && optArray(v.endpoints, sliceEndpoint) && optArray(v.ports, slicePort);

const resourceKeys = new Set(["apiVersion", "kind", "metadata", "spec"]);

const endpointPortKeys = new Set(["name", "protocol", "port", "hostPort", "hostIP"]);

/** `endpointPort` (strict). */
const endpointPort = (v: unknown): boolean =>
  isObj(v) &&
  onlyKeys(v, endpointPortKeys) &&
  isString(v.name) &&
  typeof v.protocol === "string" &&
  protocols.has(v.protocol) &&
  isInt(v.port) &&
  optInt(v.hostPort) &&
  optString(v.hostIP);

const wepSpecKeys = new Set([
  "node",
  "orchestrator",
  "workload",
  "pod",
  "endpoint",
  "containerID",
  "interfaceName",
  "mac",
  "ipNetworks",
  "ipNATs",
  "ipv4Gateway",
  "ipv6Gateway",
  "profiles",
  "serviceAccountName",
  "ports",
  "allowSpoofedSourcePrefixes",
]);

function wepSpec(v: unknown): boolean {
  return (
    isObj(v) &&
    onlyKeys(v, wepSpecKeys) &&
    isString(v.node) &&
    optString(v.orchestrator) &&
    optString(v.workload) &&
    optString(v.pod) &&
    optString(v.endpoint) &&
    optString(v.containerID) &&
    optString(v.interfaceName) &&
    optString(v.mac) &&
    optArray(v.ipNetworks, isString) &&
    optString(v.ipv4Gateway) &&
    optString(v.ipv6Gateway) &&
    optArray(v.profiles, isString) &&
    optString(v.serviceAccountName) &&
    optArray(v.ports, endpointPort) &&
    optArray(v.allowSpoofedSourcePrefixes, isString)
  );
}

/** A Calico v3 resource (strict envelope) with a WorkloadEndpoint spec. */
const workloadEndpoint: Check = (v) =>
  isObj(v) && onlyKeys(v, resourceKeys) && isString(v.apiVersion) && isString(v.kind) && objectMeta(v.metadata) && wepSpec(v.spec);

/** The checks, by the schema they stand for. */
const checks: ReadonlyMap<z.ZodType, Check> = new Map<z.ZodType, Check>([
  [podSchema, pod],
  [namespaceSchema, envelope],
  [serviceAccountSchema, envelope],
  [endpointSliceSchema, endpointSlice],
  [workloadEndpointSchema, workloadEndpoint],
]);

/** The schemas that have a fast check, for tests. */
export function fastCheckedSchemas(): readonly z.ZodType[] {
  return [...checks.keys()];
}
