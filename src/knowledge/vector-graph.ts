// A nearest-neighbour graph (HNSW, through usearch) over a large index's dense vectors, built in a worker thread so the event loop never waits on it.
//
// An exact scan of 10,000 passages of a real model's 1,536 dimensions reads 61 MB per search: about
// 3 ms of CPU on every turn even with the scan's first pass cut to a quarter of the dimensions. A
// graph search visits a few hundred passages instead (0.2–0.4 ms), and its candidates are then scored
// exactly from the index's own single-precision vectors, so the scores are the scan's.
//
// Building the graph costs seconds of CPU, so a worker builds it and saves it to a temporary file that
// this thread loads; until then (and for good when usearch cannot load on this platform: it ships
// prebuilt binaries for a few, loaded only here, on demand) the index answers with its scan.
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IndexConfig } from 'usearch';

export interface VectorGraph {
  /** Rows of up to `count` passages near the unit vector `query`, in no promised order. */
  candidates(query: Float32Array, count: number): Int32Array;
}

export interface GraphBuild {
  /** The graph once built and loaded; null when it could not be (the failure is told to `onFailure`) or the build was cancelled. */
  readonly ready: Promise<VectorGraph | null>;
  /** Stops a build still running (the index was replaced) and forgets its file. */
  cancel(): void;
}

/** The worker's input: `matrix` holds `dims` numbers per row, on shared memory so no copy is made. */
export interface GraphWork {
  matrix: Float32Array;
  dims: number;
  file: string;
}

// One byte per number in the graph: a quarter of the memory, half the build time of half precision and
// 0.28 ms a search at 10,000 × 1,536 against 0.39 (bench/knowledge-search.ts), with the same nearest 20
// once the candidates are rescored from the single-precision vectors, which they always are.
const QUANTIZATION = 'i8';
const CONNECTIVITY = 16;
const EXPANSION_ADD = 128;
const EXPANSION_SEARCH = 64;

/** The graph's settings, the same where it is built and where it is loaded (usearch's enums are these strings; a type import keeps the module unloaded here until needed). */
export function graphConfig(dims: number): IndexConfig {
  return {
    dimensions: dims,
    metric: 'ip' as IndexConfig['metric'],
    quantization: QUANTIZATION as IndexConfig['quantization'],
    connectivity: CONNECTIVITY,
    expansion_add: EXPANSION_ADD,
    expansion_search: EXPANSION_SEARCH,
    multi: false,
  };
}

export function buildVectorGraph(matrix: Float32Array, dims: number, onFailure: (error: unknown) => void): GraphBuild {
  const file = path.join(tmpdir(), `phone-assistant-graph-${process.pid}-${randomUUID()}.usearch`);
  let worker: Worker | undefined;
  let cancelled = false;
  const ready = (async (): Promise<VectorGraph | null> => {
    try {
      const work: GraphWork = { matrix, dims, file };
      worker = new Worker(new URL('./vector-graph-worker.ts', import.meta.url), { workerData: work });
      // A build in progress never keeps a finished process (the command line, a test) alive.
      worker.unref();
      await new Promise<void>((resolve, reject) => {
        worker!.once('message', () => resolve());
        worker!.once('error', reject);
        worker!.once('exit', (code) => reject(new Error(cancelled ? 'cancelled' : `the graph worker exited with code ${code}`)));
      });
      if (cancelled) return null;
      const { Index } = await import('usearch');
      const index = new Index(graphConfig(dims));
      index.load(file);
      return {
        candidates(query, count) {
          const { keys } = index.search(query, count, 1);
          return Int32Array.from(keys, Number);
        },
      };
    } catch (error) {
      if (!cancelled) onFailure(error);
      return null;
    } finally {
      await rm(file, { force: true });
    }
  })();
  return {
    ready,
    cancel() {
      cancelled = true;
      void worker?.terminate();
    },
  };
}
