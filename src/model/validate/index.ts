/**
 * The validate stage: positioned documents to the typed model, with structural (zod) and semantic
 * checks.
 *
 * Design
 * - Each document is handled on its own (validateDocument): kind lookup, zod schema, builder,
 *   then the ordered per-resource rules of rules/index.ts. Then model rules (duplicates, tier
 *   references) run over the resources that passed.
 * - Resources with any error are left out of the model; warnings keep them.
 * - Output order is input order; diagnostics are unordered (the caller sorts them).
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model, Resource } from "../types.js";
import type { LoadedDocument, SourceFile } from "../yamlTree.js";
import { modelRules } from "./rules/index.js";
import { validateDocument, type SkippedDocument, type ValidateOptions } from "./validateDocument.js";
import { sharedBuildState, type SharedBuildState } from "./build/context.js";
export { sharedBuildState, type SharedBuildState };
import { note, warning } from "../../diagnostics/diagnostic.js";
import { assertNever } from "../../diagnostics/assertNever.js";
import type { Span } from "../../diagnostics/span.js";
import { INVARIANT_API_VERSION, type Invariant } from "../invariants.js";

export interface ValidateResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  /** Documents left out: kinds policyc does not compile, and kinds the run skips. */
  readonly skipped: number;
}

export type { ValidateOptions } from "./validateDocument.js";

/**
 * Validates documents into the model. Resources with errors are left out of the model; every
 * problem is reported. `files` gives the texts, so selector errors can point inside scalars.
 */
export function validateDocuments(documents: readonly LoadedDocument[], files: readonly SourceFile[], options: ValidateOptions = {}): ValidateResult {
  const validator = documentValidator(files, options);
  for (const doc of documents) validator.add(doc);
  return validator.finish();
}

/** `validateDocuments` one document at a time, as the loader streams them. */
export interface DocumentValidator {
  readonly add: (doc: LoadedDocument) => void;
  /** The resources that passed so far (candidates: the model rules have not run yet). */
  readonly count: () => number;
  /** Runs the model rules and returns the result. */
  readonly finish: () => ValidateResult;
}

export function documentValidator(files: readonly SourceFile[], options: ValidateOptions = {}): DocumentValidator {
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const shared = sharedBuildState();
  const diagnostics: Diagnostic[] = [];
  const candidates: Resource[] = [];
  const skipped: SkippedDocument[] = [];
  const invariants: NonNullable<ReturnType<typeof validateDocument>["invariant"]>[] = [];
  let skippedByRequest = 0;
  return {
    add(doc) {
      const result = validateDocument(doc, texts.get(doc.file) ?? "", options, shared);
      for (const d of result.diagnostics) diagnostics.push(d);
      if (result.resource) candidates.push(result.resource);
      if (result.skipped) skipped.push(result.skipped);
      if (result.invariant) invariants.push(result.invariant);
      if (result.skippedByRequest) skippedByRequest++;
    },
    count: () => candidates.length,
    finish() {
      diagnostics.push(...reportSkipped(skipped), ...reportInvariants(invariants));
      const rejected = new Set<number>();
      for (const rule of modelRules) {
        rule.check(candidates, (d, i) => {
          diagnostics.push(d);
          if (d.severity === "error") rejected.add(i);
        });
      }
      const resources = candidates.filter((_, i) => !rejected.has(i));
      const model: Model = invariants.length > 0 ? { resources, invariants: invariants.map((x) => x.invariant) } : { resources };
      return { model, diagnostics, skipped: skipped.length + skippedByRequest };
    },
  };
}

/**
 * One document on its own, as a store of independent resources reads it (a node agent's etcd
 * entries): the document's own checks and the report of a kind policyc does not compile, but no
 * model rules, which are about a whole set of resources (duplicates, tier references) and would
 * misreport a resource alone. `shared` is kept across calls (parsed selectors are reused).
 */
export function validateAlone(doc: LoadedDocument, shared: SharedBuildState, options: ValidateOptions = {}): { resource?: Resource; diagnostics: Diagnostic[] } {
  const result = validateDocument(doc, "", options, shared);
  const diagnostics = [...result.diagnostics, ...(result.skipped ? reportSkipped([result.skipped]) : [])];
  return { ...(result.resource ? { resource: result.resource } : {}), diagnostics };
}

/**
 * One note per invariant kind, at the first: invariants are validated by every command but only
 * `policyc verify` reads them (never compiled); saying so keeps them from being ignored in silence.
 */
function reportInvariants(found: readonly { readonly invariant: Invariant; readonly at: () => Span }[]): Diagnostic[] {
  const byKind = new Map<string, (typeof found)[number][]>();
  for (const f of found) byKind.set(f.invariant.kind, [...(byKind.get(f.invariant.kind) ?? []), f]);
  return [...byKind].map(([kind, list]) =>
    note("invariant-not-compiled", `${list.length === 1 ? "1 invariant" : `${list.length} invariants`} of ${INVARIANT_API_VERSION} ${kind}: checked by policyc verify, not compiled`, list[0]!.at()),
  );
}

/**
 * Diagnostics for the documents of kinds policyc does not compile. A kind that enforces policy
 * (or shapes Felix's ruleset) is reported at every document: the result of compiling without it
 * is not what the cluster enforces. Kinds unrelated to policy (a ConfigMap in the same
 * repository) get one note per kind, at the first document, with the count.
 */
function reportSkipped(skipped: readonly SkippedDocument[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byKind = new Map<string, SkippedDocument[]>();
  for (const s of skipped) {
    const what = `${s.apiVersion} ${s.kind}`;
    switch (s.class.class) {
      case "uncompiled-policy":
        out.push(warning("uncompiled-policy-kind", `${what} enforces policy, and policyc does not compile it: ${s.class.why}`, s.at()));
        break;
      case "unsupported":
        out.push(warning("unsupported", `${what} is not read by policyc yet: ${s.class.why}`, s.at()));
        break;
      case "staged":
      case "other": {
        const key = `${s.class.class} ${what}`;
        const list = byKind.get(key);
        if (list) list.push(s);
        else byKind.set(key, [s]);
        break;
      }
      default:
        assertNever(s.class, "kind class");
    }
  }
  for (const list of byKind.values()) {
    const first = list[0]!;
    const what = `${first.apiVersion} ${first.kind}`;
    const count = list.length === 1 ? "1 document" : `${list.length} documents`;
    out.push(
      first.class.class === "staged"
        ? note("staged-policy", `${count} of ${what}: staged, not enforced (Felix only reports what a staged policy would do)`, first.at())
        : note("unknown-kind", `skipped ${count} of ${what}: not a kind that policyc compiles`, first.at()),
    );
  }
  return out;
}
