// Every metric the alerting rules and the Grafana dashboard query is one the real server exports at /metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { killAndWait } from '../helpers/child-processes.ts';
import { startLlmStandIn, type LlmStandIn } from '../helpers/llm-stand-in.ts';
import { PhoneCall } from '../helpers/phone-call.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { postJson, TEST_API_KEY } from '../helpers/test-app.ts';
import { accountSid, messageSid, signedPost, TEST_TWILIO_TOKEN } from '../helpers/twilio-client.ts';

const DEPLOY = path.resolve(import.meta.dirname, '../../deploy');
// Written by Prometheus itself for each scrape target, not by the server.
const PROMETHEUS_OWN = new Set(['up']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset']);

/** The metric names a PromQL expression selects: identifiers left once strings, matchers, ranges, grouping clauses and function calls are set aside. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  return [...bare.matchAll(/(?<![\w$.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((match) => match[1]!).filter((name) => !KEYWORDS.has(name));
}

interface AlertRules {
  groups: { rules: { alert: string; expr: string }[] }[];
}
interface Dashboard {
  panels: { title: string; targets?: { expr: string }[] }[];
  templating: { list: { name: string; definition?: string }[] };
}

function alertExpressions(): Map<string, string> {
  const rules = parse(readFileSync(path.join(DEPLOY, 'prometheus/alerts.yml'), 'utf8')) as AlertRules;
  return new Map(rules.groups.flatMap((group) => group.rules.map((rule) => [`alert ${rule.alert}`, rule.expr] as const)));
}

function dashboardExpressions(): Map<string, string> {
  const dashboard = JSON.parse(readFileSync(path.join(DEPLOY, 'grafana/phone-assistant.json'), 'utf8')) as Dashboard;
  const panels = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target, index) => [`panel "${panel.title}" #${index}`, target.expr] as const));
  // label_values(selector, label): the selector is the query, the label only names what to list.
  const variables = dashboard.templating.list.flatMap((variable) => {
    const selector = variable.definition && /^label_values\((.*),\s*\w+\)$/.exec(variable.definition)?.[1];
    return selector ? [[`variable ${variable.name}`, selector] as const] : [];
  });
  return new Map([...panels, ...variables]);
}

/** The names of every sample in a Prometheus text exposition. */
const sampleNames = (text: string) => new Set(text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]));

describe('metric names in deploy/', () => {
  let standIn: LlmStandIn;
  let server: ServerProcess;

  before(async () => {
    standIn = await startLlmStandIn();
    server = await startServerProcess({
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'pa-deploy-metrics-')),
      LOG_LEVEL: 'warn',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      OPENAI_MODEL: 'stand-in-model',
      TWILIO_AUTH_TOKEN: TEST_TWILIO_TOKEN,
      API_KEY: TEST_API_KEY,
      RATE_LIMIT_API_PER_MINUTE: '4',
    });
  });
  after(async () => {
    if (server) await killAndWait(server.child);
    await standIn?.close();
  });

  it('reads the names out of PromQL the way Prometheus would select them', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.95, sum by (le, channel) (rate(a_bucket{route="/x", instance=~"$instance"}[$__rate_interval]))) / on (channel) b offset 1h > 0'),
      ['a_bucket', 'b'],
    );
    assert.deepEqual(metricNames('max(delta(c{state="failed"}[1h])) > 0 and d == 0'), ['c', 'd']);
    assert.deepEqual(metricNames('sum(rate(process_cpu_seconds_total[5m])) / sum(nodejs:lag)'), ['process_cpu_seconds_total', 'nodejs:lag']);
  });

  it('finds each one in the live /metrics of the server after a document, voice, SMS and text turns, an LLM failure and a refused request', async () => {
    // Embedded with the stand-in's embeddings, so that turns search vectors too.
    const document = { title: 'Hours', content: '<h1>Opening hours</h1><p>We open at eight on weekdays.</p>', format: 'html' };
    assert.equal((await postJson(`${server.url}/v1/knowledge/documents`, document)).status, 201);
    const call = new PhoneCall(server.url);
    const greeting = await call.start();
    standIn.enqueue({ text: 'We open at eight.' });
    assert.deepEqual((await call.say(greeting.gatherAction!, 'When do you open?')).says, ['We open at eight.']);
    standIn.enqueue({ text: 'Yes, on Thursday.' });
    const sms = { MessageSid: messageSid(), AccountSid: accountSid(), From: '+421905111222', To: '+14155550199', Body: 'Open on Thursday?' };
    assert.equal((await signedPost(server.url, '/twilio/sms', sms)).status, 200);
    standIn.enqueue({ text: 'Hello there.' }, { status: 500 });
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'Hello' })).status, 200);
    assert.equal((await postJson(`${server.url}/v1/text`, { text: 'Hello' })).body.error, 'other');
    let refused = 0;
    for (let attempt = 0; attempt < 4 && refused === 0; attempt += 1) {
      if ((await fetch(`${server.url}/v1/calls`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).status === 429) refused += 1;
    }
    assert.equal(refused, 1, 'the API rate limit refused a request');

    const exported = sampleNames(await (await fetch(`${server.url}/metrics`)).text());
    const used = new Map([...alertExpressions(), ...dashboardExpressions()]);
    assert.ok(used.size > 20, `${used.size} expressions read`);
    const missing = [...used].flatMap(([where, expr]) =>
      metricNames(expr)
        .filter((name) => !PROMETHEUS_OWN.has(name) && !exported.has(name))
        .map((name) => `${name} (${where})`),
    );
    assert.deepEqual(missing, [], `not in /metrics:\n${[...exported].sort().join('\n')}`);
  });
});
