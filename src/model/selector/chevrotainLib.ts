/**
 * chevrotain, loaded from the one-file ES module build its package ships (`lib/chevrotain.mjs`)
 * instead of through the package's `exports` entry (`lib/src/api.js`). That entry is chevrotain's
 * own modules plus lodash-es's, a few hundred files, and loading them was most of the CLI's
 * start-up: about 1 s against about 0.1 s for the one file (measured with `await import(...)` on
 * this project's 2-core CI machine). Both builds come from the same source and version; when the
 * file is missing (a future packaging), the `exports` entry is used.
 *
 * Only values come from here; types are imported from "chevrotain" as usual (erased at runtime).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

import type * as ChevrotainApi from "chevrotain";

type Chevrotain = typeof ChevrotainApi;

async function loadChevrotain(): Promise<Chevrotain> {
  try {
    // lib/src/api.js -> lib/chevrotain.mjs
    const bundle = join(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "chevrotain.mjs");
    return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  } catch {
    return import("chevrotain");
  }
}

export const chevrotain: Chevrotain = await loadChevrotain();
