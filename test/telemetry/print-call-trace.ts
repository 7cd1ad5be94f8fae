// Prints the spans of one real call's turn as a tree (the README's example): the server as `npm start` runs it with
// OTEL_EXPORTER_OTLP_ENDPOINT set to a loopback receiver, a scripted model that calls a tool. `node test/telemetry/print-call-trace.ts`
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';
import { startOtlpReceiver } from './otlp-receiver.ts';
import { dataDir, printTree, startTracedServer, waitForTrace } from './traced-server.ts';

const SECRET = 'print-call-trace-webhook-secret';
const receiver = await startOtlpReceiver();
const standIn = await startLlmStandIn();
const webhooks = await startWebhookReceiver(SECRET);
const server = await startTracedServer({
  DATA_DIR: dataDir('print'),
  OPENAI_API_KEY: 'sk-stand-in',
  OPENAI_BASE_URL: standIn.openaiBaseUrl,
  OPENAI_MODEL: 'gpt-4o-mini',
  TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
  BUSINESS_WEBHOOK_URL: webhooks.url,
  BUSINESS_WEBHOOK_SECRET: SECRET,
  OUTBOX_POLL_INTERVAL_MS: '200',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_BSP_SCHEDULE_DELAY: '100',
});
try {
  const call = new PhoneCall(server.url);
  const heard = await call.start();
  standIn.enqueue({ toolCalls: [{ name: 'take_message', input: { name: 'Jana', message: 'Please call me back about the invoice.' } }] }, { text: 'Thank you, Jana: someone will call you back today.' });
  await call.say(heard.gatherAction!, 'This is Jana, please ask someone to call me back about my invoice.');
  const trace = await waitForTrace(receiver.spans, 'POST /twilio/voice', (spans) => spans.some((span) => span.name === 'outbox webhook') && spans.filter((span) => span.kind === 3).length >= 3);
  console.log(printTree(trace));
} finally {
  await killAndWait(server.child);
  await Promise.all([standIn.close(), webhooks.close(), receiver.close()]);
}
