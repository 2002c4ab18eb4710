/**
 * A document's plain value as the Go decoders behind the Kubernetes API server and calicoctl see
 * it, before any schema check:
 *
 * - **null is absent.** YAML `key:` with nothing after it (or `key: null`, `~`) is a JSON null,
 *   and Go's encoding/json leaves the target at its zero value: a pointer, slice or map stays nil
 *   (absent), a struct stays its zero value (`podSelector: null` selects every pod), a string stays
 *   "". So a null field the schema marks optional is dropped; a null required field becomes the zero
 *   value of its type (`{}`, `[]`, `""`, `0`, `false`); a null list item or map value becomes the
 *   zero value of its element (`- ` under `ingress:` is an empty rule, which allows everything).
 * - **Scalars where a string is wanted (calicoctl only).** calicoctl decodes with
 *   sigs.k8s.io/yaml's `UnmarshalStrict` into the typed resource (calicoctl/calicoctl/resourcemgr/
 *   resourcemgr.go), and sigs.k8s.io/yaml (yaml.go, `convertToJSONableObject`) turns a YAML number
 *   into a string when the target field is a string: `containerID: 1337` becomes "1337". The
 *   Kubernetes API server gets untyped JSON from kubectl and rejects such a number instead, so this
 *   is done for Calico's kinds only. Booleans are not coerced: sigs.k8s.io/yaml would turn an
 *   unquoted `yes` into "true", which is never what the author wrote; the schema then rejects it,
 *   with a hint to quote it, as the API server does.
 *
 * The walk follows the zod schema, so it knows which fields are optional and what each element
 * is. Values are never mutated: a subtree without anything to change is returned as is.
 */
import type { z } from "zod";

export interface GoDecodeOptions {
  /** Numbers in string fields become strings, as calicoctl decodes them. */
  readonly numbersToStrings: boolean;
}

/** What the schema node wants, with wrappers that only change presence peeled off. */
interface Target {
  readonly schema: z.ZodType;
  /** The field may be absent (`.optional()` or `.default()`). */
  readonly optional: boolean;
}

type Def = { readonly type: string } & Record<string, unknown>;

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function unwrap(schema: z.ZodType): Target {
  let s = schema;
  let optional = false;
  for (;;) {
    const def = defOf(s);
    if (def.type === "optional" || def.type === "default" || def.type === "prefault" || def.type === "nullable") {
      optional = true;
      s = def.innerType as z.ZodType;
    } else if (def.type === "pipe") {
      s = def.in as z.ZodType;
    } else if (def.type === "lazy") {
      s = (def.getter as () => z.ZodType)();
    } else {
      return { schema: s, optional };
    }
  }
}

/** The zero value Go gives a field of this schema's type. */
function zeroValue(schema: z.ZodType): unknown {
  const def = defOf(unwrap(schema).schema);
  switch (def.type) {
    case "object":
    case "record":
      return {};
    case "array":
      return [];
    case "string":
    case "enum":
      return "";
    case "number":
    case "int":
      return 0;
    case "boolean":
      return false;
    case "literal": {
      const first = (def.values as readonly unknown[])[0];
      return typeof first === "number" ? 0 : typeof first === "boolean" ? false : "";
    }
    case "union":
      // Kubernetes' IntOrString and Calico's Protocol/Port decode a null to their integer zero.
      return zeroValue((def.options as readonly z.ZodType[])[0]!);
    default:
      return null;
  }
}

/** Applies Go's decoding rules (see the file comment) to `value`, guided by `schema`. */
export function goDecode(schema: z.ZodType, value: unknown, options: GoDecodeOptions): unknown {
  return decode(schema, value, options);
}

function decode(schema: z.ZodType, value: unknown, options: GoDecodeOptions): unknown {
  const target = unwrap(schema).schema;
  const def = defOf(target);
  if (value === null) return zeroValue(target);
  switch (def.type) {
    case "object":
      return isRecord(value) ? decodeObject(def, value, options) : value;
    case "record":
      return isRecord(value) ? decodeEntries(value, () => def.valueType as z.ZodType, options) : value;
    case "array":
      return Array.isArray(value) ? decodeItems(value, def.element as z.ZodType, options) : value;
    case "union":
      return decodeUnion(def.options as readonly z.ZodType[], value, options);
    case "string":
      return options.numbersToStrings && typeof value === "number" ? goNumberString(value) : value;
    default:
      return value;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeObject(def: Def, value: Record<string, unknown>, options: GoDecodeOptions): Record<string, unknown> {
  const shape = def.shape as Record<string, z.ZodType>;
  const catchall = def.catchall as z.ZodType | undefined;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const field = Object.prototype.hasOwnProperty.call(shape, key) ? shape[key] : undefined;
    const v = value[key];
    // Unknown keys are left alone: the schema reports them (or a loose object ignores them).
    if (field === undefined) {
      if (catchall === undefined || defOf(catchall).type === "never") continue;
      const decoded = decode(catchall, v, options);
      if (decoded !== v) (out ??= { ...value })[key] = decoded;
      continue;
    }
    if (v === null && unwrap(field).optional) {
      out ??= { ...value };
      delete out[key];
      continue;
    }
    const decoded = decode(field, v, options);
    if (decoded !== v) {
      out ??= { ...value };
      setOwn(out, key, decoded);
    }
  }
  return out ?? value;
}

function decodeEntries(value: Record<string, unknown>, valueSchema: () => z.ZodType, options: GoDecodeOptions): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const decoded = decode(valueSchema(), v, options);
    if (decoded !== v) setOwn((out ??= { ...value }), key, decoded);
  }
  return out ?? value;
}

function decodeItems(items: readonly unknown[], element: z.ZodType, options: GoDecodeOptions): readonly unknown[] {
  let out: unknown[] | undefined;
  items.forEach((v, i) => {
    const decoded = decode(element, v, options);
    if (decoded !== v) (out ??= [...items])[i] = decoded;
  });
  return out ?? items;
}

/**
 * A union decodes through the first branch of the value's shape (an object branch for an
 * object, ...); scalar unions (IntOrString) are left as they are, except that a number where only
 * string branches exist is coerced like a string field.
 */
function decodeUnion(branches: readonly z.ZodType[], value: unknown, options: GoDecodeOptions): unknown {
  const types = branches.map((b) => defOf(unwrap(b).schema).type);
  const want = Array.isArray(value) ? "array" : isRecord(value) ? "object" : undefined;
  if (want !== undefined) {
    const i = types.findIndex((t) => t === want || (want === "object" && t === "record"));
    return i < 0 ? value : decode(branches[i]!, value, options);
  }
  if (typeof value === "number" && !types.some((t) => t === "number" || t === "int") && types.includes("string")) {
    return options.numbersToStrings ? goNumberString(value) : value;
  }
  return value;
}

/** Defines `key` as an own property (a `__proto__` key stays an ordinary key). */
function setOwn(o: Record<string, unknown>, key: string, v: unknown): void {
  Object.defineProperty(o, key, { value: v, enumerable: true, writable: true, configurable: true });
}

/**
 * A number as sigs.k8s.io/yaml prints it into a string field (yaml.go): integers with
 * `strconv.FormatInt(v, 10)`, floats with `strconv.FormatFloat(v, 'g', -1, 32)`, that is the
 * shortest decimal that reads back as the same float32, in %e form when the exponent is below -4 or
 * at least 6 (strconv/ftoa.go uses precision 6 for that decision when the precision is shortest).
 * A JavaScript number does not remember whether YAML wrote `2` or `2.0`; integral values print
 * as integers, as go-yaml's integer literals do.
 */
export function goNumberString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  const f = Math.fround(n);
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  // The shortest significand (1 to 9 digits) that reads back as the same float32.
  let digits = "";
  let exponent = 0;
  for (let precision = 1; precision <= 9; precision++) {
    const text = Math.abs(f).toExponential(precision - 1);
    if (Math.fround(Number(text)) === Math.abs(f)) {
      const [mantissa, exp] = text.split("e");
      digits = mantissa!.replace(".", "");
      exponent = Number(exp);
      break;
    }
  }
  const sign = f < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  if (digits.length <= exponent + 1) return `${sign}${digits}${"0".repeat(exponent + 1 - digits.length)}`;
  return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}
