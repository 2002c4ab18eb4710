/**
 * The per-document state shared by the builders that turn schema output into model resources:
 * where to report, and helpers for the fields that need the source text (selectors, CIDRs).
 */
import { error, warning, type Diagnostic } from "../../../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../../../diagnostics/codes.js";
import { viaMerge, type Span } from "../../../diagnostics/span.js";
import { scalarValueSpan } from "../../load/index.js";
import { parseSelector } from "../../selector/index.js";
import type { Origin, Selector, SelectorField } from "../../types.js";
import type { YNode } from "../../yamlTree.js";
import { parseCidr, canonicalAddress, canonicalHostCidr } from "../cidr.js";
import { pathToSpan, resolvePath, splitDotted } from "../pathToSpan.js";

export interface BuildContext {
  readonly text: string;
  /** The document's positioned tree; read only to place a diagnostic (it may be built on read). */
  readonly node: YNode;
  readonly origin: Origin;
  /** Diagnostics found while building; any error drops the resource. */
  readonly diagnostics: Diagnostic[];
  /** Shared by the documents of one validation run. */
  readonly shared: SharedBuildState;
}

/**
 * What the documents of one validation run share: the selectors parsed so far, by dialect and
 * trimmed text (a cluster's policies repeat a few selectors many times; a selector's tree is
 * immutable, so resources can share one).
 */
export interface SharedBuildState {
  readonly selectors: Map<string, Selector>;
}

export function sharedBuildState(): SharedBuildState {
  return { selectors: new Map() };
}

/** A new context for one document; `document.node` gives its tree when a diagnostic needs it. */
export function buildContext(text: string, document: { readonly node: YNode }, origin: Origin, shared: SharedBuildState = sharedBuildState()): BuildContext {
  return new Context(text, document, origin, shared);
}

/** A class, so that the `node` getter is shared rather than made (with its own shape) per document. */
class Context implements BuildContext {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly text: string,
    private readonly document: { readonly node: YNode },
    readonly origin: Origin,
    readonly shared: SharedBuildState,
  ) {}

  get node(): YNode {
    return this.document.node;
  }
}

/** The span of the value at a dotted path. */
export function spanAt(ctx: BuildContext, path: string): Span {
  return pathToSpan(ctx.node, splitDotted(path));
}

export function reportError(ctx: BuildContext, code: DiagnosticCode, message: string, path: string): void {
  ctx.diagnostics.push(error(code, message, spanAt(ctx, path)));
}

export function reportWarning(ctx: BuildContext, code: DiagnosticCode, message: string, path: string): void {
  ctx.diagnostics.push(warning(code, message, spanAt(ctx, path)));
}

/**
 * Parses the selector at `path`. The text is trimmed first, as Calico's selector.Normalise does
 * (block scalars end in a newline); error offsets are mapped back into the YAML scalar.
 */
export function buildSelector(
  ctx: BuildContext,
  text: string | undefined,
  path: string,
  dialect: "v3" | "v1" = "v3",
): SelectorField | undefined {
  if (text === undefined) return undefined;
  const lead = text.length - text.trimStart().length;
  const trimmed = text.trim();
  // Only an invalid selector asks for a span.
  const toSpan = (start: number, end: number): Span => {
    const target = resolvePath(ctx.node, splitDotted(path));
    const scalar = target.complete && target.node.kind === "scalar" ? target.node : undefined;
    return scalar ? viaMerge(scalarValueSpan(ctx.text, scalar, start + lead, end + lead), target.mergedAt) : spanAt(ctx, path);
  };
  const key = `${dialect} ${trimmed}`;
  const known = ctx.shared.selectors.get(key);
  if (known !== undefined) return { text, ast: known };
  const result = parseSelector(trimmed, { dialect, location: { toSpan } });
  if (!result.ok) {
    ctx.diagnostics.push(...result.diagnostics);
    return undefined;
  }
  ctx.shared.selectors.set(key, result.selector);
  return { text, ast: result.selector };
}

/**
 * Parses a list of CIDRs at `path` into canonical form: bare addresses become /32 or /128, host
 * bits are cleared with a `cidr-host-bits` warning, and bad entries are `invalid-cidr` errors.
 */
export function buildCidrs(ctx: BuildContext, values: readonly string[] | undefined, path: string): string[] {
  const out: string[] = [];
  (values ?? []).forEach((v, i) => {
    const c = buildCidr(ctx, v, `${path}.${i}`);
    if (c !== undefined) out.push(c);
  });
  return out;
}

/** One CIDR (see buildCidrs); `path` is the path of the value itself. */
export function buildCidr(ctx: BuildContext, value: string, path: string): string | undefined {
  const parsed = parseCidr(value);
  if (!parsed.ok) {
    reportError(ctx, "invalid-cidr", parsed.reason, path);
    return undefined;
  }
  if (parsed.hostBits) {
    reportWarning(ctx, "cidr-host-bits", `"${value}" has host bits set; using ${parsed.canonical}`, path);
  }
  return parsed.canonical;
}

/**
 * An endpoint's `ipNetworks`: each entry is one address (a bare IP, /32 or /128). Masking a wider
 * prefix would lose the endpoint's address, so that is an `invalid-cidr` error instead.
 */
export function buildEndpointNets(ctx: BuildContext, values: readonly string[] | undefined, path: string): string[] {
  const out: string[] = [];
  (values ?? []).forEach((v, i) => {
    // Most addresses are written as parseCidr would write them: kept as they are.
    const canonical = canonicalHostCidr(v);
    if (canonical !== undefined) {
      out.push(canonical);
      return;
    }
    const parsed = parseCidr(v);
    if (!parsed.ok) reportError(ctx, "invalid-cidr", parsed.reason, `${path}.${i}`);
    else if (parsed.prefix !== (parsed.family === 4 ? 32 : 128)) {
      reportError(ctx, "invalid-cidr", `"${v}" must be a single address (/32 or /128) for an endpoint`, `${path}.${i}`);
    } else out.push(parsed.canonical);
  });
  return out;
}

/** Addresses (not CIDRs) at `path`, in canonical text; bad entries are `invalid-cidr` errors. */
export function buildAddresses(ctx: BuildContext, values: readonly string[] | undefined, path: string): string[] {
  const out: string[] = [];
  (values ?? []).forEach((v, i) => {
    const a = canonicalAddress(v);
    if (a) out.push(a.text);
    else reportError(ctx, "invalid-cidr", `"${v}" is not a valid IP address`, `${path}.${i}`);
  });
  return out;
}

/** Joins dotted path parts. */
export function at(base: string, ...steps: (string | number)[]): string {
  // [base, ...steps] without the empty ones, joined by dots (without the arrays that says so).
  let out = base;
  for (const step of steps) {
    const s = String(step);
    if (s !== "") out = out === "" ? s : `${out}.${s}`;
  }
  return out;
}
