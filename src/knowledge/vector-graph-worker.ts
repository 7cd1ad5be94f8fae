// The worker thread that builds a nearest-neighbour graph of a knowledge index's vectors and saves it for the main thread to load.
import { parentPort, workerData } from 'node:worker_threads';
import { Index } from 'usearch';
import { graphConfig, type GraphWork } from './vector-graph.ts';

const { matrix, dims, file } = workerData as GraphWork;
const index = new Index(graphConfig(dims));
const rows = matrix.length / dims;
// One thread: the other core keeps serving calls while this runs.
index.add(BigUint64Array.from({ length: rows }, (_, row) => BigInt(row)), matrix, 1);
index.save(file);
parentPort!.postMessage('saved');
