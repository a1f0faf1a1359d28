/**
 * The house's layers, checked on every `npm test` (scripts/test.mjs --check):
 *
 *   engine ← model ← steer ← gcg / backsample ← recover ← jobs ← cli, tui, benchmarks
 *
 * An arrow points from a layer to one it may import; nothing imports upwards or sideways between
 * gcg and backsample. eval (ASR, placement, metrics) and plot are leaves anyone may use; util,
 * prompts and errors.ts sit at the bottom; zoo (the planted-backdoor models) sits beside steer;
 * steer, gcg and backsample never import it (recover and jobs may read its cards; that no attack
 * reads secret.json is test/zoo/blindness.test.ts's check). Nothing in src imports benchmarks/, and only src/tui touches
 * React and Ink.
 */
const layer = (name) => `^src/${name}/`;
const anyOf = (...names) => `^src/(${names.join('|')})/`;

/** `from` may not import any of `to`. */
const forbid = (name, comment, from, to) => ({ name, comment, severity: 'error', from: { path: from }, to: { path: to } });

module.exports = {
  forbidden: [
    { name: 'no-circular', comment: 'import cycles make the layers meaningless', severity: 'error', from: {}, to: { circular: true } },
    forbid('bottom-stays-bottom', 'util, prompts and errors.ts import nothing of the project but each other', anyOf('util', 'prompts'), anyOf('engine', 'model', 'eval', 'plot', 'steer', 'zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('engine-below-model', 'engine knows tensors and backends, not models', layer('engine'), anyOf('model', 'eval', 'plot', 'steer', 'zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('model-below-steer', 'model imports only engine and util', layer('model'), anyOf('eval', 'plot', 'steer', 'zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui', 'prompts')),
    forbid('eval-is-a-leaf', 'eval (ASR, placement, metrics) may use the model, never an attack or a front end', layer('eval'), anyOf('plot', 'steer', 'zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('plot-is-a-leaf', 'plot draws numbers it is given', layer('plot'), anyOf('engine', 'model', 'eval', 'steer', 'zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('steer-below-attacks', 'steer knows vectors, not the searches built on them', layer('steer'), anyOf('zoo', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('zoo-beside-steer', 'the zoo builds and evaluates models; it uses no attack', layer('zoo'), anyOf('steer', 'gcg', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('gcg-not-backsample', 'gcg and backsample are siblings', layer('gcg'), anyOf('zoo', 'backsample', 'recover', 'jobs', 'cli', 'tui')),
    forbid('backsample-not-gcg', 'gcg and backsample are siblings', layer('backsample'), anyOf('zoo', 'gcg', 'recover', 'jobs', 'cli', 'tui')),
    forbid('recover-below-jobs', 'the recover pipeline may use the attacks (and read cards), never a front end', layer('recover'), anyOf('jobs', 'cli', 'tui')),
    forbid('jobs-below-front-ends', 'the job layer serves the CLI, the UI and the suite', layer('jobs'), anyOf('cli', 'tui')),
    forbid('tui-not-cli', 'the UI is a front end beside the CLI (the CLI may open it)', layer('tui'), anyOf('cli')),
    forbid('src-not-benchmarks', 'nothing in src imports the benchmarks', '^src/', '^benchmarks/'),
    forbid('react-only-in-tui', 'nothing outside src/tui touches React or Ink', '^(src/(?!tui/)|benchmarks/)', '^node_modules/(react|ink|ink-[^/]+)/'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
