/**
 * Byte order marks inside a stream. Windows tools write a UTF-8 BOM at the start of every file, so
 * files concatenated with `---` between them carry one at the start of each document. kubectl never
 * sees those as content: it cuts the stream at `---` lines itself (apimachinery's YAMLReader) and
 * hands each document to go-yaml v2 as a stream of its own, whose reader skips a leading BOM; YAML
 * 1.2 also allows a BOM at the start of any document of a stream (5.2, l-document-prefix). js-yaml
 * only skips one at the very start of the text, and would read any other as part of a key.
 */

const BOM = 0xfeff;

/**
 * A copy of `text`, of the same length, whose document-starting BOMs the parser will not see.
 * Every other character keeps its offset, so spans into the copy are spans into `text`:
 * - a BOM before a `---` or `...` marker, a comment or nothing on its line changes place with the
 *   rest of that line, which holds no content (`\uFEFF---` becomes `--- `);
 * - a BOM before content that starts a document (after a marker line, and any comment or blank
 *   lines) moves to the end of the line before it, as a trailing space.
 * A BOM at offset 0 is left to the parser, which skips it; any other BOM is left alone.
 */
export function hideByteOrderMarks(text: string): string {
  let at = text.indexOf("\uFEFF", 1);
  if (at < 0) return text;
  const chars = text.split("");
  for (; at >= 0; at = text.indexOf("\uFEFF", at + 1)) {
    if (text.charCodeAt(at - 1) !== 0x0a) continue;
    const lineEnd = endOfLine(text, at);
    const rest = text.slice(at + 1, lineEnd);
    if (/^(?:---|\.\.\.)(?=[ \t]|$)/.test(rest)) {
      // `\uFEFF--- x` -> `--- x`'s marker moves one left; anything after it keeps its place.
      chars.splice(at, 4, rest.charAt(0), rest.charAt(1), rest.charAt(2), " ");
    } else if (/^[ \t]*(?:#|$)/.test(rest)) {
      chars.splice(at, lineEnd - at, ...rest, " ");
    } else if (startsDocument(text, at)) {
      // The line break before the BOM moves one right, after a space that ends the line above.
      const breakStart = text.charCodeAt(at - 2) === 0x0d ? at - 2 : at - 1;
      chars.splice(breakStart, at + 1 - breakStart, " ", ...text.slice(breakStart, at));
    }
  }
  return chars.join("");
}

/** The offset of the line break (or the end of text) that ends the line holding `at`. */
function endOfLine(text: string, at: number): number {
  const lf = text.indexOf("\n", at);
  const end = lf < 0 ? text.length : lf;
  return text.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
}

/**
 * True when the line starting at `lineStart` is the first line with content of its document: the
 * lines before it, back to a `---` marker line or the start of the text, hold only comments,
 * blanks and BOMs.
 */
function startsDocument(text: string, lineStart: number): boolean {
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf("\n", end - 1) + 1;
    let line = text.slice(start, end);
    if (line.charCodeAt(0) === BOM) line = line.slice(1);
    if (/^---(?=[ \t\r]|$)/.test(line)) return true;
    if (!/^[ \t]*(?:#.*)?\r?$/.test(line)) return false;
    end = start - 1;
  }
  return true;
}
