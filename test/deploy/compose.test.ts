// deploy/compose.yaml as `docker-compose config` resolves it (no image pulled): the services, and the instances wired with the server's own variables.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { KNOWN_VARIABLES, loadConfig } from '../../src/config.ts';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const DEPLOY = path.join(ROOT, 'deploy');
// Debian's docker-compose (v1); `config` only reads files, it needs no container engine.
const DOCKER_COMPOSE = process.env.DOCKER_COMPOSE ?? '/usr/bin/docker-compose';

const SETTINGS = {
  PUBLIC_URL: 'https://assistant.example.com',
  POSTGRES_PASSWORD: 'compose-test-password',
  TWILIO_AUTH_TOKEN: '0123456789abcdef0123456789abcdef',
  DASHBOARD_SESSION_SECRET: 'a-session-secret-of-32-characters-or-more',
  GRAFANA_ADMIN_PASSWORD: 'grafana-test-password',
  OPENAI_API_KEY: 'sk-compose-test',
};

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string | null>;
  ports?: unknown[];
  volumes?: (string | { source: string; target: string })[];
}

/** Runs `docker-compose config` with `settings` as the --env-file; resolves its YAML, or rejects with compose's complaint. */
async function composeConfig(settings: Record<string, string>): Promise<Record<string, Service>> {
  const envFile = path.join(mkdtempSync(path.join(tmpdir(), 'pa-compose-')), '.env');
  writeFileSync(envFile, Object.entries(settings).map(([name, value]) => `${name}=${value}`).join('\n') + '\n');
  // A clean environment: only the env file decides, whatever the shell running the tests has set.
  const { stdout } = await run(DOCKER_COMPOSE, ['-f', path.join(DEPLOY, 'compose.yaml'), '--env-file', envFile, 'config'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir() },
  });
  return (parse(stdout) as { services: Record<string, Service> }).services;
}

/** The host paths a service mounts (named volumes left out). */
const mountedFiles = (service: Service) =>
  (service.volumes ?? []).map((volume) => (typeof volume === 'string' ? volume.split(':')[0]! : volume.source)).filter((source) => source.startsWith('/'));

const hostOf = (url: string | null | undefined) => new URL(url ?? 'missing:').hostname;

describe('deploy/compose.yaml', { skip: existsSync(DOCKER_COMPOSE) ? false : `${DOCKER_COMPOSE} is not installed (apt-get install docker-compose); the compose file is not checked here` }, () => {
  let services: Record<string, Service>;
  let apps: [string, Service][];

  before(async () => {
    services = await composeConfig(SETTINGS);
    apps = Object.entries(services).filter(([, service]) => service.build?.dockerfile === 'deploy/Dockerfile');
  });

  it('runs two or more instances of the server behind a proxy, with PostgreSQL (pgvector), Redis, Qdrant, a collector, Prometheus and Grafana', () => {
    assert.ok(apps.length >= 2, `${apps.length} instances`);
    const images = Object.values(services).map((service) => service.image ?? '');
    for (const image of ['caddy:', 'pgvector/pgvector:', 'redis:', 'qdrant/qdrant:', 'otel/opentelemetry-collector', 'prom/prometheus:', 'grafana/grafana:']) {
      assert.ok(images.some((name) => name.startsWith(image)), `an image ${image}…`);
    }
    for (const [name, app] of apps) assert.equal(app.ports, undefined, `${name} is reached only through the proxy`);
  });

  it('sets on the instances only variables the server reads (and the standard OTEL_ ones), with values it accepts in production', () => {
    for (const [name, app] of apps) {
      const env = Object.fromEntries(Object.entries(app.environment ?? {}).map(([key, value]) => [key, value ?? '']));
      const unknown = Object.keys(env).filter((key) => !KNOWN_VARIABLES.includes(key) && !key.startsWith('OTEL_'));
      assert.deepEqual(unknown, [], name);
      const config = loadConfig(Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('OTEL_'))));
      assert.equal(config.env, 'production');
      assert.equal(config.publicUrl, SETTINGS.PUBLIC_URL);
      assert.equal(config.trustProxy, true, 'the proxy forwards the scheme, host and caller');
      assert.equal(env.DASHBOARD_SESSION_SECRET, SETTINGS.DASHBOARD_SESSION_SECRET, 'one session key for every instance');
    }
    assert.deepEqual(new Set(apps.map(([, app]) => JSON.stringify(app.environment))).size, 1, 'every instance configured alike');
  });

  it('points the instances at the services in the file', () => {
    const env = apps[0]![1].environment!;
    assert.ok(services[hostOf(env.DATABASE_URL)]?.image?.startsWith('pgvector/pgvector:'), 'DATABASE_URL → the pgvector service');
    assert.ok(env.DATABASE_URL?.includes(SETTINGS.POSTGRES_PASSWORD));
    assert.ok(services[hostOf(env.REDIS_URL)]?.image?.startsWith('redis:'), 'REDIS_URL → redis');
    assert.ok(services[hostOf(env.QDRANT_URL)]?.image?.startsWith('qdrant/qdrant:'), 'QDRANT_URL → qdrant');
    const collector = services[hostOf(env.OTEL_EXPORTER_OTLP_ENDPOINT)];
    assert.ok(collector, 'OTEL_EXPORTER_OTLP_ENDPOINT names a service');
    assert.ok(collector.image?.startsWith('otel/opentelemetry-collector'), 'OTEL_EXPORTER_OTLP_ENDPOINT → the collector');
    const collectorConfig = readFileSync(mountedFiles(collector).find((file) => file.endsWith('.yaml'))!, 'utf8');
    assert.match(collectorConfig, new RegExp(`endpoint: 0\\.0\\.0\\.0:${new URL(env.OTEL_EXPORTER_OTLP_ENDPOINT!).port}\\b`), 'the collector takes OTLP/HTTP on that port');
  });

  it('has the proxy balance over every instance, keep /metrics private, and Prometheus scrape each one with the alerts loaded', () => {
    const upstreams = apps.map(([name]) => `${name}:3000`);
    const caddyfile = readFileSync(mountedFiles(services.proxy!).find((file) => file.endsWith('Caddyfile'))!, 'utf8');
    assert.deepEqual(/reverse_proxy ([^{\n]+)/.exec(caddyfile)?.[1]?.trim().split(/\s+/), upstreams);
    assert.match(caddyfile, /respond \/metrics 404/);
    assert.match(caddyfile, /\{\$PUBLIC_URL\}/, 'the proxy serves the address the instances sign against');

    const prometheusFiles = mountedFiles(services.prometheus!);
    const prometheus = parse(readFileSync(prometheusFiles.find((file) => file.endsWith('prometheus.yml'))!, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    const job = prometheus.scrape_configs.find((config) => config.job_name === 'phone-assistant');
    assert.deepEqual(job?.static_configs.flatMap((config) => config.targets), upstreams);
    assert.ok(prometheusFiles.some((file) => file === path.join(DEPLOY, 'prometheus/alerts.yml')));
    assert.deepEqual(prometheus.rule_files, ['alerts.yml']);
  });

  it('provisions Grafana with the Prometheus data source and the dashboard', () => {
    const files = mountedFiles(services.grafana!);
    assert.ok(files.includes(path.join(DEPLOY, 'grafana/phone-assistant.json')));
    const provisioning = files.find((file) => file.endsWith('provisioning'))!;
    const sources = parse(readFileSync(path.join(provisioning, 'datasources/datasources.yaml'), 'utf8')) as { datasources: { type: string; url: string; isDefault?: boolean }[] };
    const prometheus = sources.datasources.find((source) => source.type === 'prometheus');
    assert.equal(prometheus?.isDefault, true);
    assert.ok(services[hostOf(prometheus.url)]?.image?.startsWith('prom/prometheus:'));
    for (const file of Object.values(services).flatMap(mountedFiles)) assert.ok(existsSync(file), `${file} is in the repository`);
  });

  it('refuses to start without the settings it cannot guess, naming them', async () => {
    const { POSTGRES_PASSWORD: _password, ...withoutPassword } = SETTINGS;
    await assert.rejects(composeConfig(withoutPassword), (error: Error & { stderr?: string }) => {
      assert.match(error.stderr ?? '', /set POSTGRES_PASSWORD/);
      return true;
    });
  });
});
