// Set variables that look like ours but are not (TWILLIO_AUTH_TOKEN, OPENAI_API_KY): a typo would otherwise be ignored in silence.
import { distance } from 'fastest-levenshtein';

// Prefixes only this server's variables use here; a name with one of them is ours or a mistake.
const OUR_PREFIXES = ['TWILIO_', 'OPENAI_', 'ANTHROPIC_', 'DB_', 'DATABASE_', 'QDRANT_', 'LLM_', 'RATE_LIMIT_'];

/** Short names take one slip (HOST is not HOME); longer ones two. */
function closeEnough(name: string, known: string): boolean {
  return distance(name, known) <= (known.length >= 8 ? 2 : 1);
}

function closest(name: string, known: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (!best || d < best.distance) best = { name: candidate, distance: d };
  }
  return best && closeEnough(name, best.name) ? best.name : undefined;
}

/**
 * One warning per set name that is not ours but is a near-miss of one of ours (by edit distance,
 * in any letter case) or carries one of our prefixes. Names only: values may be secrets.
 */
export function lookalikeWarnings(setNames: readonly string[], known: readonly string[]): string[] {
  const knownSet = new Set(known);
  const warnings: string[] = [];
  for (const name of setNames) {
    // npm's own npm_config_* and npm_package_* are never ours.
    if (knownSet.has(name) || name.startsWith('npm_')) continue;
    const upper = name.toUpperCase();
    const suggestion = closest(upper, known);
    if (suggestion) {
      warnings.push(`${name} is set but phone-assistant does not read it: did you mean ${suggestion}?`);
    } else if (OUR_PREFIXES.some((prefix) => upper.startsWith(prefix))) {
      const family = known.filter((candidate) => OUR_PREFIXES.some((prefix) => upper.startsWith(prefix) && candidate.startsWith(prefix)));
      warnings.push(`${name} is set but phone-assistant does not read it (it reads ${family.join(', ')})`);
    }
  }
  return warnings;
}
