/**
 * The selector AST: plain, readonly, JSON-serializable data. `and`/`or` are n-ary and keep the
 * grouping the text had (Calico's unique IDs depend on it); `in`/`notIn` values are sorted by
 * UTF-8 byte order and de-duplicated, as Calico's canonical form requires.
 */
export type Selector =
  | { readonly kind: "all" }
  | { readonly kind: "global" }
  | { readonly kind: "has"; readonly label: string }
  | {
      readonly kind: "eq" | "ne" | "contains" | "startsWith" | "endsWith";
      readonly label: string;
      readonly value: string;
    }
  | { readonly kind: "in" | "notIn"; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: "not"; readonly operand: Selector }
  | { readonly kind: "and" | "or"; readonly operands: readonly Selector[] };

/** Labels as Calico sees them: a plain object of string values. */
export type Labels = Readonly<Record<string, string>>;
