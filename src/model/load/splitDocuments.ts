/** A piece of a file's text that starts at `start`. */
export interface TextChunk {
  readonly start: number;
  readonly text: string;
}

/**
 * Splits a YAML stream before each `---` document marker that starts a line, so that the pieces
 * can be parsed one by one when the whole stream does not parse. A marker at the start of a line
 * always begins a new document (YAML 1.2.2, 9.1.2: it is forbidden inside any content, even block
 * and quoted scalars), so the split never cuts a valid document. Directive lines (`%YAML`, `%TAG`)
 * right before a marker go with the document they belong to.
 */
export function splitDocuments(text: string): TextChunk[] {
  const cuts: number[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    let cut = m.index;
    // Move the cut back over directive lines.
    for (;;) {
      // The line before `cut` ends with the newline at cut - 1; with cut < 2 it starts at 0
      // (lastIndexOf with a negative start would find that very newline and never move on).
      const previousStart = cut < 2 ? 0 : text.lastIndexOf("\n", cut - 2) + 1;
      if (cut === 0 || previousStart >= cut || text[previousStart] !== "%") break;
      cut = previousStart;
    }
    if (cut > (cuts[cuts.length - 1] ?? 0)) cuts.push(cut);
  }
  const chunks: TextChunk[] = [];
  let start = 0;
  for (const cut of [...cuts, text.length]) {
    if (cut > start || chunks.length === 0) chunks.push({ start, text: text.slice(start, cut) });
    start = cut;
  }
  return chunks;
}
