/** Writing a file whole or not at all: a temp file beside it, then a rename (a crash never leaves half a file). */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { BadFileError } from '../errors.js';

/** Writes `text` (or bytes) to `file` atomically, the one such writer in the project; a folder that is missing or not writable is a one-line BadFileError. */
export function writeFileAtomic(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') throw new BadFileError(file, `cannot write it (${code}); check that its folder exists and is writable`);
    throw err;
  }
}

/** Copies `from` to `to` whole or not at all (small files: tokenizers, vector sets). */
export function copyFileAtomic(from: string, to: string): void {
  writeFileAtomic(to, readFileSync(from));
}
