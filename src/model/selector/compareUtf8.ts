import { compareUtf8 } from "../../calico/index.js";

export { compareUtf8 };

/** The set values of an `in`/`not in` as Calico keeps them: de-duplicated, in UTF-8 byte order. */
export function sortedUniqueValues(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareUtf8);
  const out: string[] = [];
  for (const v of sorted) {
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
  }
  return out;
}
