/** Export: results.json, report.md and the marked vectors' files into <session>/export/. */
import { existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { BadFileError } from '../../errors.js';
import { copyFileAtomic, writeFileAtomic } from '../../util/atomic-file.js';
import type { Session } from '../session/session.js';
import { markdownReport } from './report.js';
import { sessionResults } from './results.js';

export function exportSession(sessionDir: string, session: Session): string[] {
  const dir = join(sessionDir, 'export');
  mkdirSync(dir, { recursive: true });
  const results = sessionResults(session);
  const written = [join(dir, 'results.json'), join(dir, 'report.md')];
  writeFileAtomic(written[0]!, JSON.stringify(results, null, 2) + '\n');
  writeFileAtomic(written[1]!, markdownReport(results));
  const files = [...new Set(session.marked.map((m) => m.file))];
  if (files.length > 0) mkdirSync(join(dir, 'vectors'), { recursive: true });
  for (const file of files) {
    if (!existsSync(file)) throw new BadFileError(file, 'marked vector file is gone; unmark its vectors on the Steer screen (2) and export again');
    // Every steer job names its set vectors.safetensors: its job folder keeps the copies apart.
    const to = join(dir, 'vectors', `${basename(dirname(file))}-${basename(file)}`);
    copyFileAtomic(file, to);
    written.push(to);
  }
  return written;
}
