/**
 * Escaping of free text that ends up inside a double-quoted iptables-restore argument.
 *
 * iptables-restore splits lines on spaces outside double quotes and has no portable escape for a
 * quote inside one, so escaping is lossy by design (as Felix's `escapeComment`): every character
 * outside `[A-Za-z0-9_ @%+=:,./-]` becomes `_`, which also rules out quotes, backslashes,
 * newlines and non-ASCII text. The result is then cut to the kernel's length limit; since it is
 * pure ASCII, characters and bytes coincide.
 */
import { MAX_COMMENT_LENGTH, MAX_LOG_PREFIX_LENGTH } from "./limits.js";

/** Characters that are NOT safe; `u` so a non-BMP character becomes one `_`, not two. */
const UNSAFE = /[^\w @%+=:,./-]/gu;

/** Replaces unsafe characters with `_` and cuts to `maxLength` characters. */
function sanitize(text: string, maxLength: number): string {
  return text.replace(UNSAFE, "_").slice(0, maxLength);
}

/** A human comment made safe for `-m comment --comment "<here>"`; at most 255 characters. */
export function escapeComment(text: string): string {
  return sanitize(text, MAX_COMMENT_LENGTH);
}

/** A LOG prefix made safe for `--log-prefix "<here>"`; at most 29 characters. */
export function escapeLogPrefix(text: string): string {
  return sanitize(text, MAX_LOG_PREFIX_LENGTH);
}
