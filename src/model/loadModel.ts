import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { plainDocument, streamDocuments } from "./load/index.js";
import type { Model } from "./types.js";
import { documentValidator, validateDocuments, type ValidateOptions } from "./validate/index.js";
import type { LoadedDocument, SourceFile } from "./yamlTree.js";

export interface LoadModelResult {
  readonly model: Model;
  /** Every load and validation diagnostic, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Documents left out: kinds policyc does not compile, and kinds `skipKinds` names. */
  readonly skipped: number;
}

export interface LoadModelOptions extends ValidateOptions {
  /**
   * "lazy" (the default): documents that are plain data skip the positioned tree, which is built
   * from the text only where a diagnostic or `spanOf` needs a position (see `load/lazyTree.ts`).
   * "eager": every document is loaded into its positioned tree first, the reference path the
   * fast one is tested against. Both give the same model and diagnostics.
   */
  readonly positions?: "lazy" | "eager";
  /** Told how far the front end has got (for a progress line); called often, so keep it cheap. */
  readonly onProgress?: (progress: FrontEndProgress) => void;
}

/** How far `loadModel` has got. */
export interface FrontEndProgress {
  readonly phase: "parsing" | "checking";
  /** Files parsed, of `files`. */
  readonly filesDone: number;
  readonly files: number;
  /** Characters parsed of all files, of `chars`. */
  readonly charsDone: number;
  readonly chars: number;
  /** Resources validated so far. */
  readonly resources: number;
}

/** The options of `loadModel`: the run's settings (`defaultNamespace`, `skipKinds`) and how it loads. */
export type LoadOptions = LoadModelOptions;

/**
 * The front end in one call: parses the files and validates every document into the model.
 * Documents are validated as the loader hands them over, batch by batch, so a big file's plain
 * values never exist all at once. Pure: the caller reads the files (see `src/cli/readInputs.ts`).
 */
export function loadModel(files: readonly SourceFile[], options: LoadModelOptions = {}): LoadModelResult {
  const loadDiagnostics: Diagnostic[] = [];
  const validator = documentValidator(files, { defaultNamespace: options.defaultNamespace, skipKinds: options.skipKinds });
  // Characters in the files before each one, and in all of them.
  const before: number[] = [];
  let chars = 0;
  for (const f of files) {
    before.push(chars);
    chars += f.text.length;
  }
  let documents = 0;
  const report = options.onProgress;
  streamDocuments(
    files,
    {
      positions: options.positions ?? "lazy",
      ...(report
        ? {
            onProgress: (p) =>
              report({
                phase: "parsing",
                filesDone: p.parsed === p.length ? p.file + 1 : p.file,
                files: files.length,
                charsDone: (before[p.file] ?? 0) + p.parsed,
                chars,
                resources: documents,
              }),
          }
        : {}),
    },
    (doc) => {
      validator.add(doc);
      documents++;
    },
    loadDiagnostics,
  );
  report?.({ phase: "checking", filesDone: files.length, files: files.length, charsDone: chars, chars, resources: documents });
  const validated = validator.finish();
  return { model: validated.model, diagnostics: sortDiagnostics([...loadDiagnostics, ...validated.diagnostics]), skipped: validated.skipped };
}

/**
 * The front end for resources already in memory (what a node agent holds after reading the
 * Kubernetes and Calico APIs): validates plain objects into the model. Diagnostics point at
 * `source` with no line or column; resources keep no positioned tree, so the model stays as small
 * as the objects themselves. `List` wrappers are not unwrapped here; pass their items.
 */
export function loadModelFromObjects(objects: readonly unknown[], source = "<memory>", options: ValidateOptions = {}): LoadModelResult {
  const span = { file: source, start: 0, end: 0 };
  const documents: LoadedDocument[] = objects.map((o, index) => plainDocument(source, index, o, span));
  const validated = validateDocuments(documents, [], options);
  // Origins without trees; read field by field, since reading `node` would build the tree.
  const resources = validated.model.resources.map((r) => ({ ...r, origin: { file: r.origin.file, document: r.origin.document, span } }));
  return { model: { resources }, diagnostics: sortDiagnostics(validated.diagnostics), skipped: validated.skipped };
}
