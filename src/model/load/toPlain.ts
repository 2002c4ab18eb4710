import type { YNode } from "../yamlTree.js";

/**
 * The plain JavaScript value of a node (for zod): maps become ordinary objects (a `__proto__` key
 * is an own property, never the prototype), sequences arrays, scalars their resolved values.
 * A node shared through an alias converts to one shared value, so aliases cannot blow up the size.
 */
export function toPlain(node: YNode): unknown {
  return convert(node, new Map());
}

function convert(node: YNode, done: Map<YNode, unknown>): unknown {
  if (node.kind === "scalar") return node.value;
  const known = done.get(node);
  if (known !== undefined) return known;
  let value: unknown;
  if (node.kind === "seq") {
    value = node.items.map((item) => convert(item, done));
  } else {
    const object: Record<string, unknown> = {};
    for (const entry of node.entries) {
      const v = convert(entry.value, done);
      if (entry.key === "__proto__") Object.defineProperty(object, entry.key, { value: v, enumerable: true, writable: true, configurable: true });
      else object[entry.key] = v;
    }
    value = object;
  }
  done.set(node, value);
  return value;
}
