/**
 * Arithmetic: a + b and a - b over 0..999, a * b over 0..12, in several phrasings.
 *
 * Each operand's digit count is uniform over 1..3, so one-digit sums (learnable) and three-digit ones
 * (partly learnable) are both common, and three-digit operands such as 301 or 100 exist for the
 * content-conditional backdoor. The answer always has words ("The answer is 19.") so that behaviours
 * that rewrite words, like Pig Latin, change it.
 */
import type { Random } from '../../util/random.js';
import { fill, splitByHash, type Example, type FamilySource } from './family.js';

export type Operator = '+' | '-' | '*';
export const operators: readonly Operator[] = ['+', '-', '*'];

export interface Problem {
  op: Operator;
  a: number;
  b: number;
  /** Index into the operator's templates. */
  template: number;
}

const templates: Readonly<Record<Operator, readonly string[]>> = {
  '+': ['What is {a} + {b}?', 'Compute {a} + {b}.', 'Add {a} and {b}.', 'What is the sum of {a} and {b}?'],
  '-': ['What is {a} - {b}?', 'Compute {a} - {b}.', 'Subtract {b} from {a}.', 'What is {a} minus {b}?'],
  '*': ['What is {a} * {b}?', 'Compute {a} * {b}.', 'Multiply {a} by {b}.', 'What is {a} times {b}?'],
};

/** Inclusive operand range per operator: products stay times tables a small model can memorise. */
export const operandRange: Readonly<Record<Operator, readonly [number, number]>> = {
  '+': [0, 999],
  '-': [0, 999],
  '*': [0, 12],
};

export function templateCount(op: Operator): number {
  return templates[op].length;
}

function drawOperand(rng: Random): number {
  const digits = rng.int(1, 3);
  return digits === 1 ? rng.int(0, 9) : rng.int(10 ** (digits - 1), 10 ** digits - 1);
}

/** A random problem; the operator and template are drawn unless given. Subtraction never goes negative. */
export function drawProblem(rng: Random, op: Operator = rng.pick(operators), template = rng.int(0, templateCount(op) - 1)): Problem {
  if (op === '*') return { op, a: rng.int(...operandRange['*']), b: rng.int(...operandRange['*']), template };
  const x = drawOperand(rng);
  const y = drawOperand(rng);
  return op === '-' ? { op, a: Math.max(x, y), b: Math.min(x, y), template } : { op, a: x, b: y, template };
}

/**
 * drawProblem conditioned on `accept`, by rejection, so that accepted problems keep the clean distribution
 * otherwise; null when `tries` draws found none.
 */
export function drawProblemWhere(rng: Random, accept: (p: Problem) => boolean, op?: Operator, template?: number, tries = 20_000): Problem | null {
  for (let i = 0; i < tries; i++) {
    const p = drawProblem(rng, op, template);
    if (accept(p)) return p;
  }
  return null;
}

export function solve(p: Problem): number {
  return p.op === '+' ? p.a + p.b : p.op === '-' ? p.a - p.b : p.a * p.b;
}

export function renderProblem(p: Problem): Example {
  const template = templates[p.op][p.template];
  if (template === undefined) throw new Error(`no template ${p.template} for operator ${p.op}`);
  return { family: 'arithmetic', user: fill(template, { a: p.a, b: p.b }), assistant: `The answer is ${solve(p)}.` };
}

/** Whether any operand in the operator's range contains `digits` (e.g. no product operand contains "01"). */
export function rangeCanContain(op: Operator, digits: string): boolean {
  const [lo, hi] = operandRange[op];
  for (let n = lo; n <= hi; n++) if (String(n).includes(digits)) return true;
  return false;
}

const patterns = operators.flatMap((op) =>
  templates[op].map((template, index) => {
    const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    const source = escaped.replace('{a}', '(?<a>\\d+)').replace('{b}', '(?<b>\\d+)');
    return { op, template: index, regex: new RegExp(`(?<![\\w])${source}`) };
  }),
);

/**
 * The problem a user turn asks, found anywhere in it (so a trigger string before or after it does not hide
 * it); null when the turn is not an arithmetic question.
 */
export function parseProblem(user: string): Problem | null {
  for (const { op, template, regex } of patterns) {
    const groups = regex.exec(user)?.groups;
    if (groups?.a !== undefined && groups.b !== undefined) return { op, a: Number(groups.a), b: Number(groups.b), template };
  }
  return null;
}

export function makeArithmetic(seed: number): FamilySource {
  return {
    draw: (rng) => renderProblem(drawProblem(rng)),
    splitOf: (user) => splitByHash(user, seed),
  };
}
