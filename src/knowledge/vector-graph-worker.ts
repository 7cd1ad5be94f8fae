// The worker thread that builds a nearest-neighbour graph of a knowledge index's vectors and saves it for the main thread to load.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Index } from 'usearch';
import { graphConfig, type GraphWork } from './vector-graph.ts';

const { matrix, dims, file } = workerData as GraphWork;
// The lowest priority, so calls win the CPU while the graph is built: on Linux a nice value belongs
// to the thread that sets it (setpriority(2)), so this leaves the server's main thread as it was.
try {
  setPriority(19);
} catch {
  // Not allowed here (some containers): the build runs at normal priority.
}
const index = new Index(graphConfig(dims));
const rows = matrix.length / dims;
// One thread: the other core keeps serving calls while this runs.
index.add(BigUint64Array.from({ length: rows }, (_, row) => BigInt(row)), matrix, 1);
index.save(file);
parentPort!.postMessage('saved');
