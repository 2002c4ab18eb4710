/**
 * The load stage: YAML/JSON text to positioned trees (see `../yamlTree.ts`), plus helpers that
 * later stages use to point into scalars and to hand plain values to zod.
 */
export { loadDocuments, streamDocuments, type LoadOptions, type LoadProgress, type LoadResult } from "./loadDocuments.js";
export { scalarValueSpan } from "./scalarValueSpan.js";
export { toPlain } from "./toPlain.js";
export { decodeScalar, type DecodedScalar } from "./decodeScalar.js";
export { plainToNode } from "./plainToNode.js";
export { plainDocument } from "./plainDocument.js";
