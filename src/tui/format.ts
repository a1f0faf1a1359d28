/** Text helpers for an 80-column screen: truncation, sparklines, bars, durations, job symbols. */
import type { JobStatus } from './session/session.js';

/**
 * Text from a model can hold any byte (byte-level BPE): a tab or an escape would make the terminal
 * draw a line wider than Ink measured and leave stale frames behind. Control characters become
 * their Unicode pictures (␉, ␛), newlines a ⏎.
 */
export function printable(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ⏎ ').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\u007f' ? '␡' : c.charCodeAt(0) < 32 ? String.fromCharCode(0x2400 + c.charCodeAt(0)) : '�'));
}

export function truncate(text: string, width: number): string {
  const flat = printable(text);
  if (width <= 0) return '';
  return flat.length <= width ? flat : flat.slice(0, Math.max(0, width - 1)) + '…';
}

/** A string shown in quotes, cut to fit. */
export function quoted(text: string, width: number): string {
  return `"${truncate(text, Math.max(1, width - 2))}"`;
}

const ticks = '▁▂▃▄▅▆▇█';

/** The last `width` values as block heights between their min and max (a flat line for one value). */
export function sparkline(values: readonly number[], width: number): string {
  const shown = values.filter((v) => Number.isFinite(v)).slice(-width);
  if (shown.length === 0) return '';
  const lo = Math.min(...shown);
  const hi = Math.max(...shown);
  return shown.map((v) => ticks[hi === lo ? 3 : Math.round(((v - lo) / (hi - lo)) * (ticks.length - 1))]).join('');
}

/** A progress bar that carries its percentage in text, not only in fill. */
export function bar(fraction: number, width: number): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return '█'.repeat(full) + '░'.repeat(width - full) + ` ${Math.floor(f * 100)}%`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export function count(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export const statusSymbol: Record<JobStatus, string> = {
  starting: '…',
  running: '▶',
  paused: '⏸',
  finished: '✓',
  failed: '✗',
  cancelled: '■',
  interrupted: '↻',
};

export function asrText(asr: number | null | undefined, of: number): string {
  if (asr === null || asr === undefined) return '–';
  return `${asr.toFixed(2)} (${Math.round(asr * of)}/${of})`;
}
