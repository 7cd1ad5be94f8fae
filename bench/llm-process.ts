// The LLM stand-in as its own process for `npm run bench`, so its work is not counted in the load generator's or the server's.
import { startLlmStandIn } from '../test/helpers/llm-stand-in.ts';
import { denseEmbedding } from './dense-embeddings.ts';

// BENCH_EMBEDDING_DIMENSIONS=1536: dense vectors of a real model's length instead of the stand-in's sparse 256.
const dims = Number(process.env.BENCH_EMBEDDING_DIMENSIONS ?? 0);
const standIn = await startLlmStandIn(dims > 0 ? denseEmbedding(dims) : undefined);
standIn.setFallbackReply({ text: 'We are open on Thursday from eight to seven.' });
// The stand-in records every request for tests; a benchmark's millions would only fill memory.
setInterval(() => {
  standIn.requests.length = 0;
  standIn.embeddingRequests.length = 0;
}, 1000).unref();
process.stdout.write(`${JSON.stringify({ openaiBaseUrl: standIn.openaiBaseUrl })}\n`);
process.on('SIGTERM', () => void standIn.close().then(() => process.exit(0)));
