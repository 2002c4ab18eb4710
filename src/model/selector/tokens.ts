/**
 * Chevrotain token types for Calico's selector language (libcalico-go `selector/tokenizer`).
 * Calico's tokenizer is context dependent: the operator words (`contains`, `starts with`,
 * `ends with`, `in`, `not in`) are keywords only directly after a label and are labels anywhere
 * else. Chevrotain custom token patterns see the tokens matched so far, which is how the operator
 * tokens below check that the previous token was a label.
 */
import type { CustomPatternMatcherFunc, IToken, TokenType } from "chevrotain";
import { chevrotain } from "./chevrotainLib.js";

const { createToken, Lexer } = chevrotain;

/** Characters a label may contain (`[a-zA-Z0-9_./-]`), as a regex character class body. */
const LABEL_CHARS = "A-Za-z0-9_./\\-";

export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t]+/, group: Lexer.SKIPPED });
/** A string literal: no escapes, ends at the next matching quote, may span lines (Calico uses strings.Index). */
export const StringLit = createToken({ name: "StringLit", pattern: /"[^"]*"|'[^']*'/, line_breaks: true });
export const LParen = createToken({ name: "LParen", pattern: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")" });
export const LCurly = createToken({ name: "LCurly", pattern: "{" });
export const RCurly = createToken({ name: "RCurly", pattern: "}" });
export const Comma = createToken({ name: "Comma", pattern: "," });
export const Eq = createToken({ name: "Eq", pattern: "==" });
export const Ne = createToken({ name: "Ne", pattern: "!=" });
export const Not = createToken({ name: "Not", pattern: "!" });
export const And = createToken({ name: "And", pattern: "&&" });
export const Or = createToken({ name: "Or", pattern: "||" });

/** `has(label)`, with optional spaces or tabs inside the parentheses but none before `(`. */
export const Has = createToken({
  name: "Has",
  pattern: new RegExp(`has\\([ \\t]*[${LABEL_CHARS}]+[ \\t]*\\)`),
  line_breaks: false,
});
/** The label inside a Has token: the image minus `has(`, `)` and the spaces or tabs around it. */
export function hasLabel(token: IToken): string {
  return token.image.slice(4, -1).replace(/^[ \t]+|[ \t]+$/g, "");
}
export const All = createToken({ name: "All", pattern: /all\([ \t]*\)/, line_breaks: false });
export const Global = createToken({ name: "Global", pattern: /global\([ \t]*\)/, line_breaks: false });
export const Label = createToken({ name: "Label", pattern: new RegExp(`[${LABEL_CHARS}]+`), line_breaks: false });

/**
 * A word operator: matches `words` (separated by any run of spaces or tabs, or nothing) only right
 * after a label, and only when a word boundary (a non-label character or the end) follows.
 */
function operatorPattern(words: readonly string[]): CustomPatternMatcherFunc {
  const re = new RegExp(`${words.join("[ \\t]*")}(?![${LABEL_CHARS}])`, "y");
  return (text: string, offset: number, tokens: IToken[]) => {
    const last = tokens[tokens.length - 1];
    if (last === undefined || last.tokenType !== Label) return null;
    re.lastIndex = offset;
    return re.exec(text);
  };
}

function operatorToken(name: string, words: readonly string[]): TokenType {
  return createToken({
    name,
    pattern: { exec: operatorPattern(words) },
    start_chars_hint: [words[0]?.charAt(0) ?? ""],
    line_breaks: false,
  });
}

export const Contains = operatorToken("Contains", ["contains"]);
export const StartsWith = operatorToken("StartsWith", ["starts", "with"]);
export const EndsWith = operatorToken("EndsWith", ["ends", "with"]);
export const NotIn = operatorToken("NotIn", ["not", "in"]);
export const In = operatorToken("In", ["in"]);

/** Every token type, in lexing priority order (the first pattern that matches wins). */
export const allTokens: readonly TokenType[] = [
  WhiteSpace,
  StringLit,
  LParen,
  RParen,
  LCurly,
  RCurly,
  Comma,
  Eq,
  Ne,
  Not,
  And,
  Or,
  Contains,
  StartsWith,
  EndsWith,
  NotIn,
  In,
  Has,
  All,
  Global,
  Label,
];

/** The legacy v1 grammar has no `contains`, `starts with`, `ends with` or `global()`. */
const v1Excluded: ReadonlySet<TokenType> = new Set([Contains, StartsWith, EndsWith, Global]);

const lexerConfig = { positionTracking: "onlyOffset", ensureOptimizations: true } as const;

/** The v3 lexer, built once: chevrotain lexers are reusable and costly to construct. */
export const v3Lexer = new Lexer([...allTokens], lexerConfig);
/** The v1 lexer, built once. */
export const v1Lexer = new Lexer(
  allTokens.filter((t) => !v1Excluded.has(t)),
  lexerConfig,
);

/** Token types that may directly follow a label without a tokenizer error. */
export const mayFollowLabel: ReadonlySet<TokenType> = new Set([
  StringLit,
  LParen,
  RParen,
  LCurly,
  RCurly,
  Comma,
  Eq,
  Ne,
  Not,
  And,
  Or,
  Contains,
  StartsWith,
  EndsWith,
  NotIn,
  In,
]);
