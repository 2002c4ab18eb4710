/**
 * Go's string order. Felix and libcalico-go compare and sort strings with Go's `<`, which orders
 * by UTF-8 bytes, the same as Unicode code point order. JavaScript's `<` compares UTF-16 code
 * units instead, which puts U+E000..U+FFFF after the surrogate pairs that encode U+10000 and
 * above. Calico's canonical selectors (and so their IDs) and its policy order depend on Go's order.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointOrderKey(x) - codePointOrderKey(y);
  }
  return a.length - b.length;
}

/**
 * Maps a UTF-16 code unit so that unit order equals code point order: surrogates (0xD800-0xDFFF)
 * move above 0xFFFF's neighbours and 0xE000-0xFFFF move down into the gap they leave.
 */
function codePointOrderKey(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  if (unit >= 0xd800) return unit + 0x2000;
  return unit;
}
