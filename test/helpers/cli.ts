/**
 * Runs the triggerfish command in a child process the way a user does (bin/triggerfish.js, wasm
 * backend), for the end-to-end tests: exit code, stdout and stderr.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');
export const cliBin = join(repoRoot, 'bin', 'triggerfish.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Environment variables to drop (e.g. TRIGGERFISH_ENGINE, so the test sees the command's own default). */
  unset?: string[];
  timeout?: number;
}

export function runCli(args: string[], options: CliOptions = {}): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, TRIGGERFISH_BACKEND: 'wasm' };
  for (const name of options.unset ?? []) delete env[name];
  const r = spawnSync(process.execPath, [cliBin, ...args], { encoding: 'utf8', env, ...(options.cwd && { cwd: options.cwd }), ...(options.timeout && { timeout: options.timeout }) });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
