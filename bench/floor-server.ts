// The floor of a voice turn's server CPU: the same I/O as one, through the same libraries, with none of the app's own work.
// A signed form POST in (Fastify, @fastify/formbody, twilio's signature check), two prepared
// statements carrying a history's worth of text each way (pg), one whole-reply request to the
// LLM stand-in (undici, keep-alive), and a TwiML answer. What a real turn costs above this is
// the app's: validation, the AI SDK, the conversation's rows, logs, metrics.
import formbody from '@fastify/formbody';
import Fastify, { type FastifyRequest } from 'fastify';
import pg from 'pg';
import twilio from 'twilio';
import { request } from 'undici';

const authToken = process.env.TWILIO_AUTH_TOKEN ?? '';
const llmUrl = `${process.env.OPENAI_BASE_URL}/chat/completions`;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
/** About a continuing call's history: ten short messages as JSON. */
const history = JSON.stringify(Array.from({ length: 10 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'We are open on Thursday from eight to seven.' })));

const app = Fastify();
await app.register(formbody);
app.get('/health', async () => ({ ok: true }));
const signed = (req: FastifyRequest) =>
  twilio.validateRequest(authToken, String(req.headers['x-twilio-signature']), `http://${req.headers.host}${req.url}`, req.body as Record<string, string>);
const gather = (text: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Gather input="speech"><Say>${text}</Say></Gather></Response>`;
app.post('/twilio/incoming', async (req, reply) => (signed(req) ? reply.type('text/xml').send(gather('Hello.')) : reply.code(403).send()));
app.post('/twilio/voice', async (req, reply) => {
  if (!signed(req)) return reply.code(403).send();
  const params = req.body as Record<string, string>;
  const before = await pool.query({ name: 'floor-read', text: 'SELECT $1::text AS call, $2::text AS history', values: [params.CallSid, history] });
  const answer = await request(llmUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'm', messages: [...JSON.parse(before.rows[0].history), { role: 'user', content: params.SpeechResult }] }),
  });
  const completion = (await answer.body.json()) as { choices: { message: { content: string } }[] };
  const text = completion.choices[0]!.message.content;
  await pool.query({ name: 'floor-write', text: 'SELECT $1::text AS call, $2::text AS turn', values: [params.CallSid, text] });
  return reply.type('text/xml').send(gather(text));
});
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
process.on('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
