/**
 * `policyc datastore apply|delete|get`: Calico's etcdv3 datastore, written and read as calicoctl
 * does with `DATASTORE_TYPE=etcdv3`, from the same YAML that `compile` reads (Kubernetes objects are
 * converted as Calico's etcd mode stores them; see src/datastore/toStored.ts).
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { dump } from "js-yaml";
import { hasErrors } from "../diagnostics/diagnostic.js";
import { EtcdClient, type EtcdTls } from "../datastore/etcd.js";
import { DEFAULT_PREFIX, parseResourceKey, resourcesPrefix } from "../datastore/keys.js";
import { mapLimit } from "../datastore/mapLimit.js";
import { applyResource, deleteResource } from "../datastore/store.js";
import { toStoredResources, type StoredResource } from "../datastore/toStored.js";
import { loadDocuments } from "../model/load/index.js";
import { decodeDocument } from "../model/validate/validateDocument.js";
import type { Resource } from "../model/types.js";
import { inputFlags, inputRequest, loadCommandInputs, STDIN_PATH } from "./commandInputs.js";
import { painter } from "./formats/color.js";
import { renderText } from "./formats/text.js";
import { exitCodes, type Io } from "./io.js";
import { nonEmptyFlag, oneOf, parseCommandArgs } from "./parseCommandArgs.js";

/**
 * Requests in flight at once. Each resource is its own transaction (as calicoctl writes them), so
 * order between resources does not matter; etcd serves many at once over the kept-alive
 * connections, which turns a 250,000-resource load from minutes into well under one.
 */
const IN_FLIGHT = 32;
import { CommandError, UsageError } from "./usageError.js";

/** The flags that reach etcd, shared with `policyc agent`. */
export const etcdFlags = {
  "etcd-endpoints": { type: "string" },
  "etcd-ca": { type: "string" },
  "etcd-cert": { type: "string" },
  "etcd-key": { type: "string" },
  "etcd-prefix": { type: "string" },
} as const;

export interface EtcdSettings {
  readonly endpoints: readonly string[];
  readonly tls?: EtcdTls;
  readonly prefix: string;
}

function readPem(flag: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: ${(e as { code?: string }).code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The etcd flags, with calicoctl's environment variables as defaults (ETCD_ENDPOINTS,
 * ETCD_CA_CERT_FILE, ETCD_CERT_FILE, ETCD_KEY_FILE).
 */
export function etcdSettings(values: Partial<Record<keyof typeof etcdFlags, string>>, io: Io): EtcdSettings {
  const env = io.env ?? {};
  const endpoints = (nonEmptyFlag("etcd-endpoints", values["etcd-endpoints"]) ?? env.ETCD_ENDPOINTS ?? "").split(",").map((e) => e.trim()).filter((e) => e !== "");
  if (endpoints.length === 0) throw new UsageError("--etcd-endpoints URL[,URL] is required (or ETCD_ENDPOINTS)");
  for (const e of endpoints) {
    let url: URL;
    try {
      url = new URL(e);
    } catch {
      throw new UsageError(`--etcd-endpoints: '${e}' is not a URL (http://host:2379 or https://host:2379)`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`--etcd-endpoints: '${e}' must be http:// or https://`);
  }
  const ca = readPem("etcd-ca", values["etcd-ca"] ?? env.ETCD_CA_CERT_FILE);
  const cert = readPem("etcd-cert", values["etcd-cert"] ?? env.ETCD_CERT_FILE);
  const key = readPem("etcd-key", values["etcd-key"] ?? env.ETCD_KEY_FILE);
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--etcd-cert and --etcd-key go together");
  const prefix = nonEmptyFlag("etcd-prefix", values["etcd-prefix"]) ?? DEFAULT_PREFIX;
  if (!prefix.startsWith("/")) throw new UsageError("--etcd-prefix must start with /");
  const tls = ca !== undefined || cert !== undefined ? { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) } : undefined;
  return { endpoints, ...(tls ? { tls } : {}), prefix };
}

/** `policyc datastore apply|delete|get -f PATH... --etcd-endpoints URL[,URL] [...]` */
export async function datastoreCommand(argv: readonly string[], io: Io): Promise<number> {
  const [action, ...rest] = argv;
  if (action !== "apply" && action !== "delete" && action !== "get") throw new UsageError("expected apply, delete or get");
  const { values, positionals } = parseCommandArgs(rest, { filename: { type: "string", short: "f", multiple: true }, output: { type: "string", short: "o" }, ...etcdFlags, ...inputFlags }, false);
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}: name the files with -f`);
  const output = oneOf("output", values.output, ["yaml", "json"] as const, "yaml");
  const settings = etcdSettings(values, io);
  const files = values.filename ?? [];
  if (files.length === 0 && action !== "get") throw new UsageError("-f PATH is required");
  const client = new EtcdClient({ endpoints: settings.endpoints, ...(settings.tls ? { tls: settings.tls } : {}) });
  try {
    const wanted = files.length > 0 ? storedFromFiles(files, values, io, settings.prefix) : undefined;
    if (wanted === null) return exitCodes.invalidInput;
    switch (action) {
      case "apply": {
        const counts = { created: 0, updated: 0, unchanged: 0 };
        const clock = { now: () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z"), uid: () => randomUUID() };
        for (const outcome of await mapLimit(wanted ?? [], IN_FLIGHT, (r) => applyResource(client, r, clock))) counts[outcome]++;
        io.stdout(`Successfully applied ${wanted?.length ?? 0} resource(s): ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged\n`);
        return exitCodes.ok;
      }
      case "delete": {
        const deleted = (await mapLimit(wanted ?? [], IN_FLIGHT, (r) => deleteResource(client, r))).filter(Boolean).length;
        io.stdout(`Successfully deleted ${deleted} resource(s)${deleted < (wanted?.length ?? 0) ? `; ${(wanted?.length ?? 0) - deleted} were not there` : ""}\n`);
        return exitCodes.ok;
      }
      case "get": {
        const found: unknown[] = [];
        if (wanted) {
          for (const kv of await mapLimit(wanted, IN_FLIGHT, (r) => client.get(r.key))) if (kv) found.push(withRevision(kv.value, kv.modRevision));
        } else {
          const all = await client.rangePrefix(resourcesPrefix(settings.prefix));
          for (const kv of all.kvs) if (parseResourceKey(kv.key, settings.prefix)) found.push(withRevision(kv.value, kv.modRevision));
        }
        io.stdout(output === "json" ? `${JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "List", items: found }, null, 2)}\n` : found.map((f) => dump(f, { lineWidth: -1, noRefs: true })).join("---\n"));
        return exitCodes.ok;
      }
    }
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new CommandError(e instanceof Error ? e.message : String(e));
  } finally {
    client.close();
  }
}

/** A stored value as `get` shows it: with `metadata.resourceVersion` (the key's mod revision). */
function withRevision(value: string, modRevision: number): unknown {
  try {
    const v = JSON.parse(value) as Record<string, unknown>;
    const meta = (v.metadata ?? {}) as Record<string, unknown>;
    return { ...v, metadata: { ...meta, resourceVersion: String(modRevision) } };
  } catch {
    return { invalid: value };
  }
}

/** The stored form of what the files hold; null (after printing the diagnostics) when they have errors. */
function storedFromFiles(files: readonly string[], values: Parameters<typeof inputRequest>[0], io: Io, prefix: string): StoredResource[] | null {
  const request = inputRequest(values, files, io);
  const loaded = loadCommandInputs(request, io);
  if (loaded.diagnostics.length > 0) {
    const shown = request.quiet ? loaded.diagnostics.filter((d) => d.severity === "error") : loaded.diagnostics;
    io.stderr(renderText(shown, loaded.sources, undefined, painter(io, "stderr")));
  }
  if (hasErrors(loaded.diagnostics)) return null;
  // The decoded documents of Calico's kinds, by file and document index (the resource's origin).
  // Lazily: decodeDocument reads a fast-path document's plain value, never its tree.
  const documents = loadDocuments(
    Object.entries(loaded.sources).map(([path, text]) => ({ path, text })),
    { positions: "lazy" },
  ).documents;
  const byOrigin = new Map(documents.map((d) => [`${d.file}\u0000${d.index}`, d]));
  const options = request.namespace !== undefined ? { defaultNamespace: request.namespace } : {};
  const decoded = (r: Resource): unknown => {
    const doc = byOrigin.get(`${r.origin.file}\u0000${r.origin.document}`);
    return doc ? decodeDocument(doc, options)?.plain : undefined;
  };
  const result = toStoredResources(loaded.model.resources, decoded, prefix);
  if (result.notes.length > 0 && !request.quiet) io.stderr(renderText(result.notes, loaded.sources, undefined, painter(io, "stderr")));
  return [...result.resources];
}

export { STDIN_PATH };
