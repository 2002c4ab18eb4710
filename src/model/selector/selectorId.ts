import { createHash } from "node:crypto";
import type { Selector } from "./ast.js";
import { printSelector } from "./printSelector.js";

/**
 * Calico's unique ID of a selector (libcalico-go `hash.MakeUniqueID("s", canonical)`):
 * `"s:"` + base64url without padding of SHA-224 over the UTF-8 of `"s:" + canonical`.
 * Felix names a selector's IP set after it (`cali40` + ID, cut to 31 characters).
 */
export function selectorId(selector: Selector): string {
  return uniqueId("s", printSelector(selector));
}

/** `prefix:` + base64url-nopad(SHA-224(`prefix:` + content)), Calico's `MakeUniqueID`. */
export function uniqueId(prefix: string, content: string): string {
  // Node's "base64url" encoding already omits the padding.
  return `${prefix}:${createHash("sha224").update(`${prefix}:${content}`, "utf8").digest("base64url")}`;
}
