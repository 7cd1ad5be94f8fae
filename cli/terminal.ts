// What the simulators print: the dialogue on stdout (clean for pipes and tests), everything else on stderr.
import { styleText } from 'node:util';

export function sayLine(who: 'assistant' | 'you', text: string): void {
  process.stdout.write(`${who}: ${text}\n`);
}

/** An event of the conversation that is not speech, such as a transfer or the end of the call. */
export function eventLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Commentary for the person at the terminal: dimmed when stderr is a terminal that takes colours. */
export function noteLine(text: string): void {
  process.stderr.write(`${styleText('dim', text, { stream: process.stderr })}\n`);
}

export function errorLine(text: string): void {
  process.stderr.write(`${text}\n`);
}
