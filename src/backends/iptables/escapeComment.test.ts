import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { escapeComment, escapeLogPrefix } from "./escapeComment.js";
import { MAX_COMMENT_LENGTH, MAX_LOG_PREFIX_LENGTH } from "./limits.js";

describe("escapeComment", () => {
  it.each([
    ["plain", "Policy default/allow-db ingress", "Policy default/allow-db ingress"],
    ["allowed punctuation", "a@b%c+d=e:f,g.h/i-j_k", "a@b%c+d=e:f,g.h/i-j_k"],
    ["double quote", 'say "hi"', "say _hi_"],
    ["single quote and backslash", "it's \\n", "it_s _n"],
    ["newline and tab", "a\nb\tc", "a_b_c"],
    ["shell metacharacters", "$(rm -rf /);`x`|&<>", "__rm -rf /___x_____"],
    ["non-ASCII (BMP)", "café", "caf_"],
    ["non-BMP is one character", "a😀b", "a_b"],
    ["empty", "", ""],
  ])("%s", (_name, input, expected) => {
    expect(escapeComment(input)).toBe(expected);
  });

  it("cuts to 255 characters (XT_MAX_COMMENT_LEN 256 incl. NUL)", () => {
    expect(escapeComment("x".repeat(300))).toBe("x".repeat(255));
    expect(escapeComment("x".repeat(255))).toHaveLength(MAX_COMMENT_LENGTH);
  });

  it("always yields a safe, short, ASCII string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 400 }), (s) => {
        const out = escapeComment(s);
        expect(out.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
        expect(out).toMatch(/^[A-Za-z0-9_ @%+=:,./-]*$/);
      }),
    );
  });
});

describe("escapeLogPrefix", () => {
  it.each([
    ["Felix default", "calico-packet: ", "calico-packet: "],
    ["quote", 'x"y', "x_y"],
    ["cut to 29", "a".repeat(40), "a".repeat(MAX_LOG_PREFIX_LENGTH)],
  ])("%s", (_name, input, expected) => {
    expect(escapeLogPrefix(input)).toBe(expected);
  });
});
