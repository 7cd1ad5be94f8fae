// The person's side of the conversation: one line of stdin per turn, typed at a prompt or piped in.
import { createInterface } from 'node:readline';

export interface LineInput {
  /** The next line, or undefined once stdin has ended (Ctrl-D, end of a pipe) or Ctrl-C was pressed. */
  next(): Promise<string | undefined>;
  close(): void;
}

export interface LineInputOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
  prompt: string;
  /** How a piped line is echoed after the prompt, so that the printed dialogue reads whole. */
  describe?: (line: string) => string;
}

export function openLineInput({ input, output, prompt, describe = (line) => line }: LineInputOptions): LineInput {
  const interactive = input.isTTY === true;
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  // Asked for at once: the iterator buffers lines that arrive before they are read, so piped input is not lost.
  const lines = rl[Symbol.asyncIterator]();
  let closed = false;
  rl.on('close', () => (closed = true));
  // Without a listener readline would only pause on Ctrl-C; here it hangs up, as Ctrl-D does.
  rl.on('SIGINT', () => rl.close());

  return {
    async next() {
      // Lines already read stay readable after close: a pipe often ends before the first of them is asked for.
      if (interactive && !closed) {
        rl.setPrompt(prompt);
        rl.prompt();
      }
      const result = await lines.next();
      if (result.done) {
        if (interactive) output.write('\n');
        return undefined;
      }
      if (!interactive) output.write(`${prompt}${describe(result.value)}\n`);
      return result.value;
    },
    close() {
      rl.close();
    },
  };
}
