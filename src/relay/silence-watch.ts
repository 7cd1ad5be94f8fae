// The silence after the assistant has spoken in a relay call: re-prompts, then a polite goodbye, as in turn-based calls.
import { MAX_REPROMPTS } from '../twilio/voice-turn.ts';

export interface SilenceWatch {
  /** Starts waiting for the caller once `speechMs` of our speech still to be said is over. */
  listenAfter(speechMs: number): void;
  /** The caller said or pressed something: the count of silences starts again. */
  heard(): void;
  /** No more waiting: the session is over. */
  stop(): void;
}

export interface SilenceActions {
  /** Whether anyone is to be asked now (a set-up session, no reply under way, not ended). */
  listening(): boolean;
  reprompt(): void;
  /** Too many silences in a row. */
  giveUp(): void;
}

export function createSilenceWatch(timeoutMs: number, actions: SilenceActions): SilenceWatch {
  let silences = 0;
  let timer: NodeJS.Timeout | null = null;
  const stopTimer = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const onSilence = (): void => {
    timer = null;
    if (!actions.listening()) return;
    silences += 1;
    if (silences > MAX_REPROMPTS) actions.giveUp();
    else actions.reprompt();
  };
  return {
    listenAfter(speechMs) {
      stopTimer();
      timer = setTimeout(onSilence, timeoutMs + speechMs);
    },
    heard() {
      stopTimer();
      silences = 0;
    },
    stop: stopTimer,
  };
}
