import { boolCoreTag, floatCoreTag, intCoreTag, NOT_RESOLVED, nullCoreTag, type ScalarTagDefinition } from "js-yaml";

/** The scalar types of YAML 1.2's core schema (10.3), in js-yaml's resolution order. */
const coreTags: readonly ScalarTagDefinition<string | number | boolean | null>[] = [nullCoreTag, boolCoreTag, intCoreTag, floatCoreTag];

const yamlTagPrefix = "tag:yaml.org,2002:";

/** The outcome of resolving a scalar: its value, or an error message for a bad explicit tag. */
export type ResolvedScalar =
  | { readonly ok: true; readonly value: string | number | boolean | null }
  | { readonly ok: false; readonly value: string; readonly message: string };

/**
 * Resolves a scalar's decoded text to a value under the core schema. Plain untagged scalars go
 * through implicit resolution (`80` is a number, `"80"` a string, `~` null); quoted and block
 * scalars are strings. `tag` is the tag as written (`!!int`, `!<tag:yaml.org,2002:str>`, `!`) or
 * undefined; tags outside the core schema are refused.
 */
export function resolveScalar(source: string, plain: boolean, tag: string | undefined): ResolvedScalar {
  if (tag === undefined) return { ok: true, value: plain ? resolveImplicit(source) : source };
  const name = expandTag(tag);
  // The non-specific tag `!` forces a string (YAML 1.2.2, 6.9.1).
  if (tag === "!" || name === `${yamlTagPrefix}str`) return { ok: true, value: source };
  const definition = coreTags.find((t) => t.tagName === name);
  if (definition === undefined) return { ok: false, value: source, message: `unsupported tag ${tag} (only the core schema's str, null, bool, int and float are known)` };
  const value = definition.resolve(source, true, name);
  if (value === NOT_RESOLVED) return { ok: false, value: source, message: `${JSON.stringify(source)} is not a valid ${tag}` };
  return { ok: true, value };
}

/** The full name of a tag written as `!!name` or `!<full>`; other spellings are returned as is. */
export function expandTag(tag: string): string {
  if (tag.startsWith("!!")) return yamlTagPrefix + tag.slice(2);
  if (tag.startsWith("!<") && tag.endsWith(">")) return tag.slice(2, -1);
  return tag;
}

function resolveImplicit(source: string): string | number | boolean | null {
  const first = source.charAt(0);
  for (const tag of coreTags) {
    // Each tag lists the first characters it can match; skip it cheaply otherwise.
    if (tag.implicitFirstChars !== null && !tag.implicitFirstChars.includes(first)) continue;
    const value = tag.resolve(source, false, tag.tagName);
    if (value !== NOT_RESOLVED) return value;
  }
  return source;
}
