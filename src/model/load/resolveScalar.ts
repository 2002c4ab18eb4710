/**
 * Scalar resolution as Kubernetes and calicoctl do it: both read YAML with go-yaml v2 (kubectl and
 * the API server through sigs.k8s.io/yaml, whose `goyaml.v2` is that fork), which follows YAML 1.1's
 * implicit types, not YAML 1.2's core schema. So `yes`, `No`, `on`, `OFF`, `y` and `N` are booleans,
 * `0777` is octal, `1_000` is an integer and `08` is the float 8.
 *
 * The rules below follow go-yaml v2's `resolve.go` (function `resolve`, tables `resolveTable` and
 * `resolveMap`) step by step, and through it Go's `strconv.ParseInt`, `ParseUint` and
 * `ParseFloat` (Go 1.13 and later, which accept `0o`/`0b` prefixes and `_` digit separators).
 */

/** The value of a scalar: what go-yaml v2 hands to the JSON conversion, as a JavaScript value. */
export type ScalarValue = string | number | boolean | null;

const yamlTagPrefix = "tag:yaml.org,2002:";

/** The outcome of resolving a scalar: its value, or an error message for a bad explicit tag. */
export type ResolvedScalar =
  | { readonly ok: true; readonly value: ScalarValue }
  | { readonly ok: false; readonly value: string; readonly message: string };

/**
 * Resolves a scalar's decoded text to a value. Plain untagged scalars go through go-yaml v2's
 * implicit resolution (`80` is a number, `"80"` a string, `yes` true, `~` null); quoted and block
 * scalars are strings. `tag` is the tag as written (`!!int`, `!<tag:yaml.org,2002:str>`, `!`) or
 * undefined. An explicit `!!bool`, `!!int`, `!!float` or `!!null` resolves the text (quoted or not)
 * the same way and must land on that type, except that an integer is accepted as a `!!float`
 * (go-yaml v2 `resolve`, its deferred check). Other tags are refused.
 */
export function resolveScalar(source: string, plain: boolean, tag: string | undefined): ResolvedScalar {
  if (tag === undefined) return { ok: true, value: plain ? resolvePlain(source) : source };
  const name = expandTag(tag);
  // The non-specific tag `!` forces a string (YAML 1.2.2, 6.9.1; go-yaml v2 leaves `!` unresolved,
  // which also decodes to the text).
  if (tag === "!" || name === `${yamlTagPrefix}str`) return { ok: true, value: source };
  const wanted = name.startsWith(yamlTagPrefix) ? name.slice(yamlTagPrefix.length) : undefined;
  if (wanted !== "bool" && wanted !== "int" && wanted !== "float" && wanted !== "null") {
    return { ok: false, value: source, message: `unsupported tag ${tag} (only str, null, bool, int and float are known)` };
  }
  const resolved = resolveTyped(source);
  if (resolved.type === wanted) return { ok: true, value: resolved.value };
  if (wanted === "float" && resolved.type === "int") return { ok: true, value: Number(resolved.value) };
  return { ok: false, value: source, message: `${JSON.stringify(source)} is not a valid ${tag} (it reads as ${describeType(resolved.type)})` };
}

/** The full name of a tag written as `!!name` or `!<full>`; other spellings are returned as is. */
export function expandTag(tag: string): string {
  if (tag.startsWith("!!")) return yamlTagPrefix + tag.slice(2);
  if (tag.startsWith("!<") && tag.endsWith(">")) return tag.slice(2, -1);
  return tag;
}

/** The YAML 1.1 type go-yaml v2 gives a scalar's text (`resolve`'s returned tag). */
export type ScalarType = "str" | "bool" | "int" | "float" | "null";

/** A resolved scalar with its YAML type (an int too large for a JavaScript number keeps its text). */
export interface TypedScalar {
  readonly type: ScalarType;
  readonly value: ScalarValue;
  /** For an int: its exact value. */
  readonly integer?: bigint;
}

/** The value of a plain, untagged scalar: go-yaml v2's implicit resolution. */
export function resolvePlain(text: string): ScalarValue {
  return resolveTyped(text).value;
}

/**
 * go-yaml v2's `resolve("", text)`. The first character picks what the text can be (the
 * `resolveTable` hint); only then are the spellings tried.
 */
export function resolveTyped(text: string): TypedScalar {
  const hint = hintOf(text);
  if (hint === undefined) return { type: "str", value: text };
  const known = resolveMap.get(text);
  if (known !== undefined) return known;
  if (hint === "word") return { type: "str", value: text };
  if (hint === "dot") {
    // Not in the map, so maybe a float: `strconv.ParseFloat(in, 64)` on the text as written.
    const float = goParseFloat(text);
    return float === undefined ? { type: "str", value: text } : { type: "float", value: float };
  }
  // Two dots or more (an IPv4 address, a version): no int has a dot and Go's ParseFloat takes one
  // at most (nor does `yamlStyleFloat`), so the text stays a string; a shortcut, not a rule.
  if (text.indexOf(".") !== text.lastIndexOf(".")) return { type: "str", value: text };
  // A digit or a sign: go-yaml v2 first tries a timestamp (`YYYY-...`); a timestamp decodes to its
  // text when the target is untyped (decode.go: "for backward compatibility reasons we set it as a
  // string"), and no timestamp is also an int or a float, so that step needs no code here.
  // Then every `_` is dropped, wherever it is (`1__0` is 10, `-_1` is -1).
  const digits = text.replaceAll("_", "");
  const int = goParseInt(digits) ?? goParseUint(digits);
  if (int !== undefined) return intScalar(int, text);
  if (yamlStyleFloat.test(digits)) {
    const float = goParseFloat(digits);
    if (float !== undefined) return { type: "float", value: float };
  }
  // Last, a `0b` prefix with the digits parsed in base 2 on their own: Go's base-0 parse already
  // took every plain binary number, so this only adds a sign after the prefix (`0b-101` is -5).
  // The matching `-0b` branch of resolve.go adds nothing a base-0 parse did not already accept.
  if (digits.startsWith("0b")) {
    const rest = digits.slice(2);
    const signed = /^[+-]/.test(rest);
    const bin = goParseDigits(signed ? rest.slice(1) : rest, 2);
    if (bin !== undefined) {
      // ParseInt(rest, 2, 64) takes a sign and the int64 range; ParseUint(rest, 2, 64) no sign.
      const value = rest.startsWith("-") ? -bin : bin;
      if (signed ? value >= int64Min && value <= int64Max : value <= uint64Max) return intScalar(value, text);
    }
  }
  return { type: "str", value: text };
}

/**
 * An integer scalar. Integers beyond 2^53 (go-yaml v2 reads up to the uint64 maximum, and JSON
 * carries them exactly) cannot be a JavaScript number without losing digits, so they keep their
 * text; a string field then accepts them, and a number field reports a type error naming the text.
 */
function intScalar(value: bigint, text: string): TypedScalar {
  const n = Number(value);
  return { type: "int", value: Number.isSafeInteger(n) ? n : text, integer: value };
}

/** The key a plain mapping key becomes, or why Kubernetes refuses it. */
export type PlainKey = { readonly ok: true; readonly key: string } | { readonly ok: false; readonly key: string; readonly message: string };

/**
 * The JSON key of a plain, untagged mapping key. go-yaml v2 resolves keys like any other scalar,
 * and sigs.k8s.io/yaml (`convertToJSONableObject`, yaml.go) then turns the non-string ones into
 * strings: a boolean into "true"/"false" (so the key `y:` is "true"), an int into its decimal
 * digits (`0x10:` is "16"), a float as Go's `strconv.FormatFloat(f, 'g', -1, 32)` prints it, with
 * `.inf`, `-.inf` and `.nan` for the special values. A null key (`~:`, `null:`, an empty key) and
 * an int beyond int64 (a Go uint64) have no string form there: the whole document is refused.
 */
export function plainKey(text: string): PlainKey {
  const typed = resolveTyped(text);
  switch (typed.type) {
    case "str":
      return { ok: true, key: text };
    case "bool":
      return { ok: true, key: String(typed.value) };
    case "null":
      return { ok: false, key: text, message: `the key ${JSON.stringify(text)} is null in YAML 1.1, and Kubernetes cannot convert a null key to JSON; quote it` };
    case "int": {
      const integer = typed.integer ?? 0n;
      if (integer > int64Max) {
        return { ok: false, key: text, message: `the key ${text} is an integer beyond int64, which Kubernetes cannot convert to JSON; quote it` };
      }
      return { ok: true, key: integer.toString() };
    }
    case "float":
      return { ok: true, key: goFormatFloat32(Number(typed.value)) };
  }
}

/**
 * Go's `strconv.FormatFloat(f, 'g', -1, 32)` with sigs.k8s.io/yaml's spellings of the special
 * values: the shortest digits that read back as the same float32, in %e form when the decimal
 * exponent is below -4 or at least 6 (the precision 'g' uses for shortest output), else in %f form.
 */
export function goFormatFloat32(f: number): string {
  const x = Math.fround(f);
  if (Number.isNaN(x)) return ".nan";
  if (x === Infinity) return ".inf";
  if (x === -Infinity) return "-.inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const abs = Math.abs(x);
  if (abs === 0) return `${sign}0`;
  // The exact decimal digits of the float32 (every one has a finite expansion; 100 digits cover
  // all but the smallest subnormals), then the fewest of them, rounded half to even as Go does,
  // that read back as the same float32.
  const [exactMantissa = "0", exactExp = "0"] = abs.toExponential(99).split("e");
  const exact = exactMantissa.replace(".", "");
  let digits = exact;
  let e = Number(exactExp);
  // At a power of two the interval that reads back is wider above than below, so when the nearest
  // candidate falls short, the one above it may still fit.
  search: for (let n = 1; n <= 9; n++) {
    for (const rounded of [roundHalfEven(exact, n), roundUp(exact, n)]) {
      const exp = e + rounded.carry;
      if (Math.fround(Number(`${rounded.digits}e${exp - rounded.digits.length + 1}`)) === abs) {
        digits = rounded.digits.replace(/0+$/, "") || "0";
        e = exp;
        break search;
      }
    }
  }
  if (e < -4 || e >= 6) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : "";
    return `${sign}${digits.charAt(0)}${fraction}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  }
  const point = e + 1;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function describeType(type: ScalarType): string {
  switch (type) {
    case "str":
      return "a string";
    case "bool":
      return "a boolean";
    case "int":
      return "an integer";
    case "float":
      return "a float";
    case "null":
      return "null";
  }
}

type Hint = "sign" | "digit" | "word" | "dot";

/**
 * resolve.go's `resolveTable`: `+`/`-` sign, `0-9` digit, `yYnNtTfFoO~` a word of the map, `.` a
 * float or a word of the map. The empty text is looked up in the map (it is null). Any other first
 * character, including every non-ASCII one, makes a string.
 */
function hintOf(text: string): Hint | undefined {
  if (text === "") return "word";
  const c = text.charCodeAt(0);
  if (c === 0x2b || c === 0x2d) return "sign";
  if (c >= 0x30 && c <= 0x39) return "digit";
  if (c === 0x2e) return "dot";
  return "yYnNtTfFoO~".includes(text.charAt(0)) ? "word" : undefined;
}

/** resolve.go's `resolveMap`: the exact spellings of booleans, null and the special floats. */
const resolveMap: ReadonlyMap<string, TypedScalar> = new Map(
  (
    [
      [["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"], { type: "bool", value: true }],
      [["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], { type: "bool", value: false }],
      [["", "~", "null", "Null", "NULL"], { type: "null", value: null }],
      [[".nan", ".NaN", ".NAN"], { type: "float", value: Number.NaN }],
      [[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"], { type: "float", value: Number.POSITIVE_INFINITY }],
      [["-.inf", "-.Inf", "-.INF"], { type: "float", value: Number.NEGATIVE_INFINITY }],
    ] satisfies [string[], TypedScalar][]
  ).flatMap(([spellings, typed]) => spellings.map((s): [string, TypedScalar] => [s, typed])),
);

/** resolve.go's `yamlStyleFloat`, tried on the text without underscores. */
const yamlStyleFloat = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * The decimal floats Go's `strconv.ParseFloat` accepts: digits with single `_` separators between
 * two digits (strconv's `underscoreOK`), an optional fraction, an optional exponent. Hexadecimal
 * floats and `inf`/`nan` also parse in Go, but neither can start with `.` nor pass
 * `yamlStyleFloat`, the only two ways resolve.go calls ParseFloat.
 */
const goDecimalFloat = /^[+-]?(?:[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?$/;

/**
 * `strconv.ParseFloat(s, 64)` for the texts resolve.go hands it. Out of range (±Inf) is an error in
 * Go, so the scalar stays a string; both Go and JavaScript round to the nearest double, and an
 * underflow to zero is not an error in either.
 */
function goParseFloat(s: string): number | undefined {
  if (!goDecimalFloat.test(s)) return undefined;
  const value = Number(s.replaceAll("_", ""));
  return Number.isFinite(value) ? value : undefined;
}

const int64Min = -(1n << 63n);
const int64Max = (1n << 63n) - 1n;
const uint64Max = (1n << 64n) - 1n;

/** `strconv.ParseInt(s, 0, 64)` for a text without underscores: a sign, then `goParseUnsigned`. */
function goParseInt(s: string): bigint | undefined {
  const neg = s.startsWith("-");
  const magnitude = goParseUnsigned(s.startsWith("+") || neg ? s.slice(1) : s);
  if (magnitude === undefined) return undefined;
  const value = neg ? -magnitude : magnitude;
  return value >= int64Min && value <= int64Max ? value : undefined;
}

/** `strconv.ParseUint(s, 0, 64)`: no sign; values up to 2^64 - 1. */
function goParseUint(s: string): bigint | undefined {
  const value = goParseUnsigned(s);
  return value !== undefined && value <= uint64Max ? value : undefined;
}

/**
 * The digits of a base-0 Go integer: `0x`/`0X` hex, `0o`/`0O` octal, `0b`/`0B` binary (each only
 * with at least one digit after it), another leading `0` octal, else decimal (strconv.ParseUint).
 */
function goParseUnsigned(s: string): bigint | undefined {
  if (s === "") return undefined;
  if (s.charAt(0) === "0" && s.length >= 3) {
    const prefix = s.charAt(1).toLowerCase();
    if (prefix === "x") return goParseDigits(s.slice(2), 16);
    if (prefix === "o") return goParseDigits(s.slice(2), 8);
    if (prefix === "b") return goParseDigits(s.slice(2), 2);
  }
  // A lone "0" leaves no digits after the octal prefix, and Go reads that as 0.
  if (s.charAt(0) === "0") return s.length === 1 ? 0n : goParseDigits(s.slice(1), 8);
  return goParseDigits(s, 10);
}

const digitPatterns: Readonly<Record<number, RegExp>> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ };
const radixPrefix: Readonly<Record<number, string>> = { 2: "0b", 8: "0o", 10: "", 16: "0x" };

/** Non-empty digits of `base`, as an unbounded integer (range checks are the caller's). */
function goParseDigits(s: string, base: 2 | 8 | 10 | 16): bigint | undefined {
  if (!digitPatterns[base]?.test(s)) return undefined;
  return BigInt(`${radixPrefix[base] ?? ""}${s}`);
}

/** `digits` (a decimal digit string) rounded to its first `n`, half to even; `carry` is 1 when that added a digit (9.99 -> 10.0). */
function roundHalfEven(digits: string, n: number): { digits: string; carry: number } {
  const head = digits.slice(0, n);
  const rest = digits.slice(n);
  const first = rest.charAt(0);
  const beyondHalf = /[1-9]/.test(rest.slice(1));
  const last = Number(head.charAt(head.length - 1));
  const up = first > "5" || (first === "5" && (beyondHalf || last % 2 === 1));
  return up ? roundUp(digits, n) : { digits: head, carry: 0 };
}

/** The first `n` of `digits` plus one in the last place. */
function roundUp(digits: string, n: number): { digits: string; carry: number } {
  const head = digits.slice(0, n);
  const bumped = (BigInt(head) + 1n).toString();
  return bumped.length > head.length ? { digits: bumped.slice(0, n), carry: 1 } : { digits: bumped, carry: 0 };
}
