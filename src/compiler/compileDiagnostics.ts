/**
 * The compile stage's own diagnostics, from what the rendered chains use: `no-local-endpoints`,
 * `unresolved-named-port` and `unmatched-service`. A function of sets of uses, not of the order
 * they were found in, so that the full compile and the incremental compiler (which finds them
 * chain by chain) report the same; sorted as `sortDiagnostics` sorts.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { note, sortDiagnostics, warning } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import type { Origin } from "../model/types.js";
import { spanOf } from "../model/types.js";

/** A rule's use of a named port, whose set is `setId` (the same id in both families). */
export interface NamedPortUse {
  readonly setId: string;
  readonly name: string;
  /** The resource the rule is in (none for profiles derived from Kubernetes objects). */
  readonly origin: Origin | undefined;
  /** The rule's path in it. */
  readonly path: string;
}

/** A rule's match on a Kubernetes Service (`<namespace>/<name>`); `path` is the `services` field's. */
export interface ServiceUse {
  readonly service: string;
  readonly origin: Origin | undefined;
  readonly path: string;
}

export interface CompileFacts {
  readonly node: string | undefined;
  readonly localEndpoints: number;
  /** Every use by a rendered chain (repeats allowed: each use is reported once). */
  readonly namedPortUses: Iterable<NamedPortUse>;
  /** Whether a named-port set has members in neither family. */
  readonly namedPortSetEmpty: (setId: string) => boolean;
  readonly serviceUses: Iterable<ServiceUse>;
  /** Whether some EndpointSlice of the input belongs to the service. */
  readonly knownService: (service: string) => boolean;
}

const at = (origin: Origin | undefined, path: string): Span | undefined => (origin ? spanOf(origin, path) : undefined);

/** Whether span `a` comes before `b` in sortDiagnostics' order (no span first). */
function before(a: Span | undefined, b: Span | undefined): boolean {
  const fa = a?.file ?? "";
  const fb = b?.file ?? "";
  if (fa !== fb) return fa < fb;
  return (a?.start ?? -1) < (b?.start ?? -1);
}

export function compileDiagnostics(facts: CompileFacts): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (facts.localEndpoints === 0) {
    out.push(warning("no-local-endpoints", facts.node === undefined ? "the model has no workload endpoints" : `node ${facts.node} has no local workload endpoints`));
  }
  // Named ports: every distinct use of a set that is empty in both families.
  const seen = new Map<string, Set<Origin | undefined>>();
  for (const u of facts.namedPortUses) {
    if (!facts.namedPortSetEmpty(u.setId)) continue;
    const key = `${u.setId}\0${u.path}\0${u.name}`;
    let origins = seen.get(key);
    if (!origins) seen.set(key, (origins = new Set()));
    if (origins.has(u.origin)) continue;
    origins.add(u.origin);
    out.push(warning("unresolved-named-port", `named port "${u.name}" matches no port of any selected endpoint`, at(u.origin, u.path)));
  }
  // Services with no EndpointSlice: once each, at the use that sorts first.
  const first = new Map<string, Span | undefined>();
  for (const u of facts.serviceUses) {
    if (facts.knownService(u.service)) continue;
    const span = at(u.origin, u.path);
    if (!first.has(u.service) || before(span, first.get(u.service))) first.set(u.service, span);
  }
  for (const [service, span] of first) {
    const empty = service.startsWith("/");
    const message = empty
      ? `the service "${service.slice(1)}" has no namespace: Felix looks it up in the empty namespace, where no EndpointSlice is, so this rule matches nothing (give services.namespace)`
      : `no EndpointSlice of service ${service} is in the input: this rule matches no traffic until one is`;
    out.push(note("unmatched-service", message, span));
  }
  return sortDiagnostics(out);
}
