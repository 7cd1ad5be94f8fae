// The server's own share of token → frame in relay calls: one histogram sample per streamed model token, on /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { phrase } from '../../src/assistant/phrases.ts';
import { ChunkClock } from '../../src/llm/chunk-clock.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { scrape } from '../helpers/prometheus.ts';
import { openRelay, type RelayClient } from '../helpers/relay-client.ts';
import { startTestServer, testEnv, type Provider, type TestServer } from '../helpers/test-app.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const METRIC = 'phone_assistant_relay_token_delay_seconds';

describe('which chunk a written token counts from', () => {
  it("skips the chunks before a step's first text, keeps the first since the last frame, and starts again with the next step", () => {
    const clock = new ChunkClock();
    assert.equal(clock.claim(), -1, 'nothing streamed');
    clock.arrived(0); // OpenAI's chunk naming the role: no text
    clock.arrived(10);
    assert.equal(clock.claim(), 10);
    clock.arrived(20); // one chunk, two deltas
    assert.equal(clock.claim(), 20);
    assert.equal(clock.claim(), 20);
    clock.arrived(30); // two chunks read before the next frame: it counts from the first
    clock.arrived(40);
    assert.equal(clock.claim(), 30);
    assert.equal(clock.claim(), 40);
    clock.restart(); // the request after a tool
    clock.arrived(100);
    clock.arrived(110);
    assert.equal(clock.claim(), 110);
  });
});

for (const provider of ['openai', 'anthropic'] as Provider[]) {
  describe(`token → frame delay of relay calls (${provider})`, () => {
    let standIn: LlmStandIn;
    let server: TestServer;
    const sockets: RelayClient[] = [];

    async function startCall(): Promise<RelayClient> {
      const call = new PhoneCall(server.url);
      await call.start();
      const relay = await openRelay(server.url);
      sockets.push(relay);
      relay.setup(call.sid);
      return relay;
    }
    const samples = async (): Promise<number> => (await scrape(server.url)).value(`${METRIC}_count`) ?? 0;
    const modelTokens = (relay: RelayClient, from: number, filler = '') =>
      relay.frames.slice(from).filter((frame) => frame.type === 'text' && frame.token !== '' && frame.last === false && frame.token !== filler);

    before(async () => {
      standIn = await startLlmStandIn();
      server = await startTestServer(testEnv(standIn, provider, { TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, VOICE_MODE: 'relay' }));
    });
    after(async () => {
      for (const socket of sockets) socket.close();
      await server.close();
      await standIn.close();
    });

    it('records one sample for each token the model streamed, as its frame is written', async () => {
      const relay = await startCall();
      const before = await samples();
      standIn.enqueue({ text: 'We open at eight on weekdays and at nine on Saturdays.', pieceDelayMs: 20 });
      relay.prompt('When do you open?');
      assert.equal(await relay.reply(), 'We open at eight on weekdays and at nine on Saturdays.');
      const tokens = modelTokens(relay, 0);
      assert.ok(tokens.length > 3, 'the reply came in several tokens');
      assert.equal((await samples()) - before, tokens.length);
      const scraped = await scrape(server.url);
      // Every sample falls in some bucket: the histogram is whole, from 50 µs up.
      assert.equal(scraped.value(`${METRIC}_bucket`, { le: '+Inf' }), scraped.value(`${METRIC}_count`));
      assert.ok(scraped.text.includes(`${METRIC}_bucket{le="0.00005"}`));
    });

    it('counts the tokens of the step after a tool, and not our own filler phrase', async () => {
      const relay = await startCall();
      const before = await samples();
      standIn.enqueue({ toolCalls: [{ name: 'list_my_appointments', input: {} }] }, { text: 'You have no appointments at all.', pieceDelayMs: 10 });
      relay.prompt('Do I have an appointment?');
      const filler = `${phrase('en', 'holding')} `;
      assert.equal(await relay.reply(), `${filler}You have no appointments at all.`);
      const tokens = modelTokens(relay, 0, filler);
      assert.ok(tokens.length > 1);
      assert.equal((await samples()) - before, tokens.length);
    });
  });
}
