// `node bench/profile-summary.ts [--by-caller] <file.cpuprofile>…`: a CPU profile's self time by component (a package, one of our folders, Node, GC, idle).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The component a frame belongs to: `pg`, `src/assistant`, `node:internal`, `(garbage collector)`… */
export function componentOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  // PGlite's PostgreSQL is the one WebAssembly module that runs after start-up.
  if (url.startsWith('wasm://')) return '(WebAssembly: PGlite\'s PostgreSQL)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  if (url.startsWith('node:')) return url.startsWith('node:internal/') ? `node:${url.split('/')[1]}` : url;
  const source = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (source) return source[1] === 'src' ? `src/${source[2]!.includes('/') ? source[2]!.split('/')[0] : source[2]}` : source[1]!;
  return path.basename(url);
}

const START_UP = '(start-up and warm-up)';
const BY_CALLER = process.argv.includes('--by-caller');

function summarise(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Native code (a socket write, JSON.parse, a regular expression) counts for the JavaScript that called it.
  const componentOfNode = (id: number): string => {
    const own = componentOf(byId.get(id)!.callFrame);
    if (own !== '(native)' && !(BY_CALLER && own.startsWith('node:'))) return own;
    // With --by-caller, Node's own work (a socket write, undici) also counts for the package that called it.
    for (let parent = parents.get(id); parent !== undefined; parent = parents.get(parent)) {
      const frame = byId.get(parent)!.callFrame;
      if (frame.url === '') continue;
      const component = componentOf(frame);
      if (!BY_CALLER || !component.startsWith('node:')) return component;
    }
    return own === '(native)' ? own : `${own} (no caller of ours)`;
  };
  // What came before the measured turns (loading modules, opening the database, warm-up turns) is
  // not a turn's cost: the benchmark writes its length beside the profile.
  const skipMicros = existsSync(`${file}.skip-ms`) ? Number(readFileSync(`${file}.skip-ms`, 'utf8')) * 1000 : 0;
  const totals = new Map<string, number>();
  let all = 0;
  let elapsed = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    const component = elapsed < skipMicros ? START_UP : componentOfNode(id);
    totals.set(component, (totals.get(component) ?? 0) + delta);
    all += delta;
  });
  const busy = all - (totals.get('(idle)') ?? 0) - (totals.get(START_UP) ?? 0);
  process.stdout.write(
    `\n${path.basename(file)}: ${(all / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy after start-up and warm-up (${((totals.get(START_UP) ?? 0) / 1e6).toFixed(1)} s)\n\n| component | share of busy time |\n|---|---|\n`,
  );
  for (const [component, micros] of [...totals].filter(([name]) => name !== '(idle)' && name !== START_UP).sort((a, b) => b[1] - a[1]).slice(0, 20)) {
    process.stdout.write(`| ${component} | ${((micros / busy) * 100).toFixed(1)}% |\n`);
  }
}

if (import.meta.main) for (const file of process.argv.slice(2).filter((arg) => !arg.startsWith('--'))) summarise(file);
