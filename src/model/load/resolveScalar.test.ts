import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { goFormatFloat32, plainKey, resolvePlain, resolveScalar, resolveTyped, type ScalarValue } from "./resolveScalar.js";

/**
 * Cases from go-yaml v2's own tests (decode_test.go, `unmarshalTests`, decoded into
 * `map[string]interface{}`) and from the tables of its resolve.go (`resolveMap`), each as the
 * plain scalar and the value go-yaml v2 gives it.
 */
const goYamlV2Cases: readonly (readonly [string, ScalarValue])[] = [
  // decode_test.go
  ["hi", "hi"],
  ["true", true],
  ["10", 10],
  ["0b10", 2],
  ["0xA", 10],
  ["4294967296", 4294967296],
  ["0.1", 0.1],
  [".1", 0.1],
  [".Inf", Infinity],
  ["-.Inf", -Infinity],
  ["-10", -10],
  ["-.1", -0.1],
  ["6.8523e+5", 6.8523e5],
  ["685.230_15e+03", 685.23015e3],
  ["685_230.15", 685230.15],
  ["-.inf", -Infinity],
  ["y", true],
  ["NO", false],
  ["on", true],
  ["685230", 685230],
  ["+685_230", 685230],
  ["02472256", 685230],
  ["0x_0A_74_AE", 685230],
  ["0b1010_0111_0100_1010_1110", 685230],
  ["-0b101010", -42],
  ["", null],
  ["~", null],
  ["null", null],
  ["2147483647", 2147483647],
  ["-2147483648", -2147483648],
  // Beyond 2^53: go-yaml v2 reads int64/uint64 exactly; here the text is kept (see intScalar).
  ["9223372036854775807", "9223372036854775807"],
  ["-9223372036854775808", "-9223372036854775808"],
  ["18446744073709551615", "18446744073709551615"],
  ["-0b1000000000000000000000000000000000000000000000000000000000000000", "-0b1000000000000000000000000000000000000000000000000000000000000000"],
  // Out of the uint64 range, an integer text falls through to the float regex.
  ["18446744073709551616", 2 ** 64],
  ["3.40282346638528859811704183484516925440e+38", 3.4028234663852886e38],
  ["4.940656458412465441765687928682213723651e-324", 5e-324],
  ["1.797693134862315708145274237317043567981e+308", 1.7976931348623157e308],
  // resolve.go: every spelling in resolveMap.
  ...["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"].map((s) => [s, true] as const),
  ...["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"].map((s) => [s, false] as const),
  ...["", "~", "null", "Null", "NULL"].map((s) => [s, null] as const),
  ...[".nan", ".NaN", ".NAN"].map((s) => [s, NaN] as const),
  ...[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"].map((s) => [s, Infinity] as const),
  ...["-.inf", "-.Inf", "-.INF"].map((s) => [s, -Infinity] as const),
];

/**
 * What resolve.go's code does beyond its tests (each checked against go-yaml v2 built with Go 1.19:
 * Go 1.13's strconv added `0o`, `0b` and `_` to base-0 integer parsing).
 */
const goYamlV2Rules: readonly (readonly [string, ScalarValue])[] = [
  // Spellings outside the map stay strings, whatever their case.
  ["yEs", "yEs"],
  ["tRUE", "tRUE"],
  ["oN", "oN"],
  ["nULL", "nULL"],
  ["-.NaN", "-.NaN"],
  [".iNf", ".iNf"],
  ["Infinity", "Infinity"],
  ["+Inf", "+Inf"],
  // Integers: sign, prefixes in either case, leading-0 octal, underscores anywhere after the first
  // character (they are all dropped before parsing).
  ["0o17", 15],
  ["0O17", 15],
  ["+0o17", 15],
  ["0X1f", 31],
  ["-0x1F", -31],
  ["0B11", 3],
  ["0777", 511],
  ["-0", 0],
  ["00", 0],
  ["1__0", 10],
  ["1_", 1],
  ["-_1", -1],
  ["0_x1", 1],
  ["0b-101", -5],
  ["0b+101", 5],
  // Not an integer: a leading 0 with 8 or 9 is no octal, but matches the float regex.
  ["08", 8],
  ["09.5", 9.5],
  ["0x", "0x"],
  ["0o", "0o"],
  ["0o8", "0o8"],
  ["_1", "_1"],
  ["+_", "+_"],
  ["0x10000000000000000", "0x10000000000000000"],
  // Floats: the regex on the text without underscores, or Go's own syntax after a leading `.`.
  ["1e5", 100000],
  ["1E+5", 100000],
  ["1.", 1],
  ["1._5", 1.5],
  ["1e_5", 100000],
  ["+.5", 0.5],
  [".5_5", 0.55],
  ["._5", "._5"],
  [".5e3", 500],
  [".5e400", ".5e400"],
  ["1e400", "1e400"],
  ["1e-400", 0],
  ["-0.0", -0],
  ["+18446744073709551615", 2 ** 64],
  ["-9223372036854775809", -9223372036854775808],
  ["0x1p3", "0x1p3"],
  // Strings: base 60 is deliberately unsupported, timestamps decode to their text, and so on.
  ["80:90", "80:90"],
  ["1:20", "1:20"],
  ["1.2.3", "1.2.3"],
  ["0.0.0.0", "0.0.0.0"],
  ["10.0.0.0/8", "10.0.0.0/8"],
  ["2001-12-14", "2001-12-14"],
  ["2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"],
  ["1 2", "1 2"],
  ["<<", "<<"],
  ["é", "é"],
];

describe("resolvePlain", () => {
  it.each(goYamlV2Cases)("go-yaml v2 tests: %j", (text, value) => {
    expect(resolvePlain(text)).toEqual(value);
  });

  it.each(goYamlV2Rules)("go-yaml v2 rules: %j", (text, value) => {
    expect(resolvePlain(text)).toEqual(value);
  });

  it("never gives -0 for an integer", () => {
    expect(Object.is(resolvePlain("-0"), 0)).toBe(true);
    expect(Object.is(resolvePlain("-0.0"), -0)).toBe(true);
  });
});

describe("resolveScalar", () => {
  it("keeps quoted and block scalars strings", () => {
    expect(resolveScalar("yes", false, undefined)).toEqual({ ok: true, value: "yes" });
    expect(resolveScalar("80", false, undefined)).toEqual({ ok: true, value: "80" });
  });

  it("resolves explicit tags by the same rules, quoted or not", () => {
    expect(resolveScalar("80", true, "!!str")).toEqual({ ok: true, value: "80" });
    expect(resolveScalar("yes", true, "!")).toEqual({ ok: true, value: "yes" });
    expect(resolveScalar("12", false, "!!int")).toEqual({ ok: true, value: 12 });
    expect(resolveScalar("0x10", false, "!<tag:yaml.org,2002:int>")).toEqual({ ok: true, value: 16 });
    expect(resolveScalar("on", false, "!!bool")).toEqual({ ok: true, value: true });
    expect(resolveScalar("~", false, "!!null")).toEqual({ ok: true, value: null });
    expect(resolveScalar("1.5", true, "!!float")).toEqual({ ok: true, value: 1.5 });
    // resolve.go's deferred check: an int is accepted as a !!float.
    expect(resolveScalar("1", true, "!!float")).toEqual({ ok: true, value: 1 });
  });

  it("refuses a tag the text does not fit, and unknown tags", () => {
    expect(resolveScalar("1.5", true, "!!int")).toMatchObject({ ok: false, value: "1.5" });
    expect(resolveScalar("x", true, "!!bool")).toMatchObject({ ok: false });
    expect(resolveScalar("x", true, "!custom")).toMatchObject({ ok: false });
    expect(resolveScalar("x", true, "!!binary")).toMatchObject({ ok: false });
  });
});

describe("plainKey", () => {
  // Each checked against go-yaml v2 and Go's strconv.FormatFloat(f, 'g', -1, 32), the conversion
  // sigs.k8s.io/yaml's convertToJSONableObject applies to float keys.
  it.each([
    [1e6, "1e+06"],
    [123456, "123456"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [3.14159265358979, "3.1415927"],
    [1e39, ".inf"],
    [-0, "-0"],
    [16777217, "1.6777216e+07"],
    [0.000244140625, "0.00024414062"],
    [2900810.1498382287, "2.9008102e+06"],
    [1.2379400392853803e27, "1.2379401e+27"],
    [NaN, ".nan"],
    [-Infinity, "-.inf"],
  ])("formats the float %d as Go does for a 32-bit float: %s", (f, text) => {
    expect(goFormatFloat32(f)).toBe(text);
  });

  it("makes booleans, ints and floats strings again, and refuses null and uint64 keys", () => {
    expect(plainKey("name")).toEqual({ ok: true, key: "name" });
    expect(plainKey("y")).toEqual({ ok: true, key: "true" });
    expect(plainKey("OFF")).toEqual({ ok: true, key: "false" });
    expect(plainKey("0o17")).toEqual({ ok: true, key: "15" });
    expect(plainKey("9223372036854775807")).toEqual({ ok: true, key: "9223372036854775807" });
    expect(plainKey("1.50")).toEqual({ ok: true, key: "1.5" });
    expect(plainKey("~")).toMatchObject({ ok: false, key: "~" });
    expect(plainKey("")).toMatchObject({ ok: false, key: "" });
    expect(plainKey("9223372036854775808")).toMatchObject({ ok: false });
  });
});

// ---------------------------------------------------------------------------------------------
// An independent reading of the same rules, written as a table of patterns in resolve.go's order,
// for the property test below.

const int64 = { min: -(2n ** 63n), max: 2n ** 63n - 1n };
const uint64Max = 2n ** 64n - 1n;

function specInt(text: string): bigint | undefined {
  const noUnderscores = text.split("_").join("");
  const m = /^([-+]?)(?:0[xX]([0-9a-fA-F]+)|0[oO]([0-7]+)|0[bB]([01]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(noUnderscores);
  let sign = "";
  let magnitude: bigint | undefined;
  if (m) {
    sign = m[1] ?? "";
    const [hex, oct, bin, leadingZeroOctal, dec] = [m[2], m[3], m[4], m[5], m[6]];
    if (hex !== undefined) magnitude = BigInt(`0x${hex}`);
    else if (oct !== undefined) magnitude = BigInt(`0o${oct}`);
    else if (bin !== undefined) magnitude = BigInt(`0b${bin}`);
    else if (leadingZeroOctal !== undefined) magnitude = leadingZeroOctal === "" ? 0n : BigInt(`0o${leadingZeroOctal}`);
    else if (dec !== undefined) magnitude = BigInt(dec);
  } else {
    // resolve.go's last resort: `0b` then a signed binary number.
    const b = /^0b([-+]?)([01]+)$/.exec(noUnderscores);
    if (b) {
      const value = (b[1] === "-" ? -1n : 1n) * BigInt(`0b${b[2]}`);
      return b[1] === "" ? (value <= uint64Max ? value : undefined) : value >= int64.min && value <= int64.max ? value : undefined;
    }
  }
  if (magnitude === undefined) return undefined;
  const value = sign === "-" ? -magnitude : magnitude;
  if (value >= int64.min && value <= int64.max) return value;
  return sign === "" && value <= uint64Max ? value : undefined;
}

function specResolve(text: string): ScalarValue {
  const table: Record<string, ScalarValue> = {};
  for (const s of "y Y yes Yes YES true True TRUE on On ON".split(" ")) table[s] = true;
  for (const s of "n N no No NO false False FALSE off Off OFF".split(" ")) table[s] = false;
  for (const s of ["", "~", "null", "Null", "NULL"]) table[s] = null;
  for (const s of [".nan", ".NaN", ".NAN"]) table[s] = NaN;
  for (const s of [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"]) table[s] = Infinity;
  for (const s of ["-.inf", "-.Inf", "-.INF"]) table[s] = -Infinity;
  // Only texts whose first character is one of these are ever looked up or parsed.
  if (text !== "" && !/^[-+0-9.yYnNtTfFoO~]/.test(text)) return text;
  if (Object.hasOwn(table, text)) return table[text] ?? null;
  if (text.startsWith(".")) {
    // Go's float syntax: `_` only between two digits.
    if (!/^\.\d(_?\d)*([eE][-+]?\d(_?\d)*)?$/.test(text)) return text;
    const v = parseFloat(text.split("_").join(""));
    return Number.isFinite(v) ? v : text;
  }
  if (!/^[-+0-9]/.test(text)) return text;
  const int = specInt(text);
  if (int !== undefined) return Number.isSafeInteger(Number(int)) ? Number(int) : text;
  const noUnderscores = text.split("_").join("");
  if (/^[-+]?(\.\d+|\d+(\.\d*)?)([eE][-+]?\d+)?$/.test(noUnderscores)) {
    const v = parseFloat(noUnderscores);
    if (Number.isFinite(v)) return v;
  }
  return text;
}

describe("resolvePlain against the spec table", () => {
  it("agrees on the listed cases", () => {
    for (const [text, value] of [...goYamlV2Cases, ...goYamlV2Rules]) expect(specResolve(text)).toEqual(value);
  });

  const pieces = [
    ..."0123456789",
    ..."+-._eExXoObB",
    ..."yYnNtTfF~aA: é",
    "0x",
    "0b",
    "0o",
    "0b-",
    "inf",
    "Inf",
    "nan",
    "yes",
    "on",
    "null",
    "9223372036854775807",
    "18446744073709551615",
    "9007199254740993",
    "1e308",
  ];
  const plainScalar = fc.oneof(
    fc.array(fc.constantFrom(...pieces), { maxLength: 6 }).map((p) => p.join("")),
    fc.string({ maxLength: 8 }),
  );

  it("resolves every text as the table does", () => {
    fc.assert(
      fc.property(plainScalar, (text) => {
        expect(resolvePlain(text)).toEqual(specResolve(text));
      }),
      { numRuns: 5000 },
    );
  });

  it("types agree with values", () => {
    fc.assert(
      fc.property(plainScalar, (text) => {
        const { type, value } = resolveTyped(text);
        const expected = type === "bool" ? "boolean" : type === "null" ? "object" : type === "str" ? "string" : typeof value === "string" ? "string" : "number";
        expect(typeof value).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
