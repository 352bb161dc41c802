/**
 * Hooks for benchmark rows owned elsewhere (webhook intake, X cost…): a module pushes a section into
 * `BENCH_SECTIONS` (or bench/run.ts imports and lists it there), and `npm run bench` runs each after its own
 * benchmarks on the same servers, adding the section's rows to the one table. BENCH_ONLY=<name> runs one section.
 */
import type { BenchServers } from './engine-env';
import type { BenchRow } from './table';

export interface BenchContext {
  servers: BenchServers;
  /** BENCH_QUICK=1: a smaller version of each measurement. */
  quick: boolean;
  /** Progress to stderr. */
  say(message: string): void;
  /** Rows go here, in order, beside the others. */
  rows: BenchRow[];
  /** Adds requests made while rate-limited to the run's total (the "0 requests while limited" row). */
  addWhileLimited(requests: number): void;
  /** Figures of this run other sections may put their own beside (e.g. the plain loop's calls). */
  figures: Record<string, number>;
}

export interface BenchSection {
  /** Short name, for BENCH_ONLY and progress lines. */
  name: string;
  run(ctx: BenchContext): Promise<void>;
}

/** Sections run after the built-in ones, in this order. */
export const BENCH_SECTIONS: BenchSection[] = [];

export function addBenchSection(section: BenchSection): void {
  if (BENCH_SECTIONS.some((s) => s.name === section.name))
    throw new Error(`bench section "${section.name}" added twice`);
  BENCH_SECTIONS.push(section);
}
