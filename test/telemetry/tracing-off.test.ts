// Without an OTLP endpoint (or with OTEL_SDK_DISABLED=true) the server loads nothing of the OpenTelemetry SDK, sends nothing, and logs no trace ids.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.ts';
import { LOADED_PREFIX } from './record-loads.ts';
import { dataDir, MARKER_NUMBER, startTracedServer } from './traced-server.ts';

const RECORD_LOADS = path.join(import.meta.dirname, 'record-loads.ts');

describe('tracing off', () => {
  let receiver: OtlpReceiver;
  let standIn: LlmStandIn;
  const servers: ServerProcess[] = [];

  before(async () => {
    receiver = await startOtlpReceiver();
    standIn = await startLlmStandIn();
  });
  after(async () => {
    for (const server of servers) await killAndWait(server.child);
    await Promise.all([standIn?.close(), receiver?.close()]);
  });

  const cases: [string, Record<string, string>][] = [
    ['no endpoint set (other OTEL_* variables are)', { OTEL_SERVICE_NAME: 'phone-assistant-off', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'always_on' }],
    ['OTEL_SDK_DISABLED=true beside an endpoint', { OTEL_SDK_DISABLED: 'true', get OTEL_EXPORTER_OTLP_ENDPOINT() { return receiver.url; } }],
  ];
  for (const [name, otel] of cases) {
    it(`${name}: a voice turn loads no SDK module, makes no export request and logs no trace id`, async () => {
      const server = await startTracedServer(
        { DATA_DIR: dataDir('off'), OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: standIn.openaiBaseUrl, OPENAI_MODEL: 'stand-in-model', TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN, ...otel },
        [RECORD_LOADS],
      );
      servers.push(server);
      const call = new PhoneCall(server.url, MARKER_NUMBER);
      const heard = await call.start();
      standIn.enqueue({ text: 'We open at eight.' });
      assert.deepEqual((await call.say(heard.gatherAction!, 'When do you open?')).says, ['We open at eight.']);
      // Longer than the batch exporter's default 5 s delay would take to send anything.
      await new Promise((resolve) => setTimeout(resolve, 5_500));

      assert.deepEqual(server.output().split('\n').filter((line) => line.startsWith(LOADED_PREFIX)), []);
      assert.equal(receiver.contentTypes.length, 0);
      assert.equal(standIn.requests.at(-1)!.headers['traceparent'], undefined);
      assert.doesNotMatch(server.output(), /"trace_id"/);
    });
  }

  it('is started by npm start and by the container with the --import hook these tests use', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    assert.match(scripts['start']!, /^exec node --env-file-if-exists=\.env --import \.\/src\/telemetry\/register\.ts src\/server\.ts$/);
    assert.match(readFileSync(path.join(root, 'deploy/Dockerfile'), 'utf8'), /^CMD \["node", "--import", "\.\/src\/telemetry\/register\.ts", "src\/server\.ts"\]$/m);
  });

  it('with an endpoint, the same check sees the SDK load (the check itself works)', async () => {
    const server = await startTracedServer({ DATA_DIR: dataDir('on'), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, [RECORD_LOADS]);
    servers.push(server);
    assert.match(server.output(), new RegExp(`${LOADED_PREFIX}.*/@opentelemetry/sdk-trace-node/`));
  });
});
