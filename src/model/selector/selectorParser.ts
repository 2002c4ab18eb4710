/**
 * The chevrotain parser for Calico's selector grammar (libcalico-go `selector/parser`):
 *
 *   or        := and ("||" and)*
 *   and       := operation ("&&" operation)*
 *   operation := "!"* ( HAS | ALL | GLOBAL | "(" or ")" | LABEL labelOp )
 *   labelOp   := ("==" | "!=" | contains | starts with | ends with) STRING
 *              | (in | not in) "{" [STRING ("," STRING)* [","]] "}"
 *
 * Precedence comes from rule nesting. A run of `!` collapses by parity, as in Calico, so `!!a` is
 * `a`; a `!` in front of a parenthesised `!` stays nested (`!(!a == "b")` is not(not(...))), which
 * Calico also keeps and prints as `!!a == "b"`. Single-operand and/or collapse to the operand, so
 * `(all())` is `all()`, while a parenthesised and/or nested in another stays a separate node.
 * Error messages are Calico's, produced through chevrotain's error message provider.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { chevrotain } from "./chevrotainLib.js";
import type { Selector } from "./ast.js";
import { sortedUniqueValues } from "./compareUtf8.js";
import {
  All,
  allTokens,
  And,
  Comma,
  Contains,
  EndsWith,
  Eq,
  Global,
  Has,
  hasLabel,
  In,
  Label,
  LCurly,
  LParen,
  Ne,
  Not,
  NotIn,
  Or,
  RCurly,
  RParen,
  StartsWith,
  StringLit,
} from "./tokens.js";

const { EmbeddedActionsParser, EOF } = chevrotain;

type ValueKind = "eq" | "ne" | "contains" | "startsWith" | "endsWith";
/** What follows a label: a comparison with one value, or a set membership test. */
type LabelTest =
  | { readonly kind: ValueKind; readonly value: string }
  | { readonly kind: "in" | "notIn"; readonly values: readonly string[] };

/** Calico's message for each token a failed CONSUME expected. */
function expectedMessage(expected: TokenType): string {
  switch (expected) {
    case StringLit:
      return "expected string";
    case LCurly:
      return "expected set literal";
    case RCurly:
      return "expected }";
    case RParen:
      return "expected )";
    default:
      return "unexpected token";
  }
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected }) => expectedMessage(expected),
  buildNotAllInputParsedMessage: () => "unexpected content at end of selector",
  buildNoViableAltMessage: ({ actual, previous, ruleName }) => {
    if (ruleName !== "labelTest") return "unexpected token";
    if (actual[0]?.tokenType === EOF) return "unexpected end of string looking for op";
    return `expected operator after label ${JSON.stringify(previous.image)}`;
  },
  buildEarlyExitMessage: () => "unexpected token",
};

/** The text between a string literal's quotes. */
function stringValue(token: IToken): string {
  return token.image.slice(1, -1);
}

class SelectorParser extends EmbeddedActionsParser {
  constructor() {
    super([...allTokens], { maxLookahead: 2, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  /** The whole selector; chevrotain reports leftover tokens after it. */
  public readonly orExpr = this.RULE("orExpr", (): Selector => {
    const operands: Selector[] = [this.SUBRULE(this.andExpr)];
    this.MANY(() => {
      this.CONSUME(Or);
      operands.push(this.SUBRULE2(this.andExpr));
    });
    return operands.length === 1 ? (operands[0] as Selector) : { kind: "or", operands };
  });

  private readonly andExpr = this.RULE("andExpr", (): Selector => {
    const operands: Selector[] = [this.SUBRULE(this.operation)];
    this.MANY(() => {
      this.CONSUME(And);
      operands.push(this.SUBRULE2(this.operation));
    });
    return operands.length === 1 ? (operands[0] as Selector) : { kind: "and", operands };
  });

  private readonly operation = this.RULE("operation", (): Selector => {
    let negated = false;
    this.MANY(() => {
      this.CONSUME(Not);
      negated = !negated;
    });
    const operand = this.OR<Selector>([
      {
        ALT: () => {
          const token = this.CONSUME(Has);
          return this.ACTION(() => ({ kind: "has", label: hasLabel(token) }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(All);
          return { kind: "all" };
        },
      },
      {
        ALT: () => {
          this.CONSUME(Global);
          return { kind: "global" };
        },
      },
      {
        ALT: () => {
          this.CONSUME(LParen);
          const inner = this.SUBRULE(this.orExpr);
          this.CONSUME(RParen);
          return inner;
        },
      },
      {
        ALT: () => {
          const label = this.CONSUME(Label).image;
          const test = this.SUBRULE(this.labelTest);
          return this.ACTION((): Selector => ({ label, ...test }) as Selector);
        },
      },
    ]);
    return negated ? { kind: "not", operand } : operand;
  });

  private readonly labelTest = this.RULE("labelTest", (): LabelTest => {
    return this.OR<LabelTest>([
      { ALT: () => this.valueTest(1, Eq, "eq") },
      { ALT: () => this.valueTest(2, Ne, "ne") },
      { ALT: () => this.valueTest(3, Contains, "contains") },
      { ALT: () => this.valueTest(4, StartsWith, "startsWith") },
      { ALT: () => this.valueTest(5, EndsWith, "endsWith") },
      {
        ALT: () => {
          this.CONSUME(In);
          return { kind: "in", values: this.SUBRULE(this.setLiteral) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(NotIn);
          return { kind: "notIn", values: this.SUBRULE2(this.setLiteral) };
        },
      },
    ]);
  });

  /** `{}`, `{"a"}`, `{"a", "b",}`: strings separated by commas, with an optional trailing comma. */
  private readonly setLiteral = this.RULE("setLiteral", (): readonly string[] => {
    const values: string[] = [];
    this.CONSUME(LCurly);
    this.OPTION(() => {
      const first = this.CONSUME(StringLit);
      this.ACTION(() => values.push(stringValue(first)));
      this.MANY(() => {
        this.CONSUME(Comma);
        const next = this.CONSUME2(StringLit);
        this.ACTION(() => values.push(stringValue(next)));
      });
      this.OPTION2(() => this.CONSUME2(Comma));
    });
    this.CONSUME(RCurly);
    return this.ACTION(() => sortedUniqueValues(values));
  });

  /**
   * One `label <op> "value"` alternative. `occurrence` keeps chevrotain's CONSUME occurrences of
   * StringLit distinct across the five alternatives (the DSL's CONSUME1..CONSUME5).
   */
  private valueTest(occurrence: number, op: TokenType, kind: ValueKind): LabelTest {
    this.consume(occurrence, op);
    const value = this.consume(occurrence, StringLit);
    return this.ACTION(() => ({ kind, value: stringValue(value) }));
  }
}

/** A syntax error as an offset range into the selector text. */
export interface SelectorSyntaxError {
  readonly message: string;
  readonly start: number;
  readonly end: number;
}

/** The one parser instance: chevrotain parsers are costly to build and meant to be reused. */
const parser = new SelectorParser();

/**
 * Parses a non-empty token vector (from `lexSelector`) into a selector, or returns the first
 * syntax error. `textLength` places errors at the end of input.
 */
export function parseTokens(tokens: IToken[], textLength: number): Selector | SelectorSyntaxError {
  parser.input = tokens;
  const selector = parser.orExpr();
  const first = parser.errors[0];
  if (first === undefined) return selector;
  const token = first.token;
  if (token.tokenType === EOF || Number.isNaN(token.startOffset)) {
    return { message: first.message, start: textLength, end: textLength };
  }
  return { message: first.message, start: token.startOffset, end: token.startOffset + token.image.length };
}
