// Keys pressed in a relay call, gathered into one entry: Twilio reports them one by one, and an entry ends with # or a pause, as a turn-based <Gather> collects them.
const KEY_PAUSE_MS = 2_000;

export interface KeypadEntry {
  /** One key as Twilio reported it; `#` ends the entry at once. */
  press(digit: string): void;
  /** Forgets keys not yet ended (the call is over). */
  clear(): void;
}

/** `onEntry` gets each whole entry (never empty), without its closing #. */
export function createKeypadEntry(onEntry: (entry: string) => void, pauseMs = KEY_PAUSE_MS): KeypadEntry {
  let keys = '';
  let timer: NodeJS.Timeout | null = null;

  const stopTimer = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const finish = (): void => {
    stopTimer();
    const entry = keys;
    keys = '';
    if (entry !== '') onEntry(entry);
  };

  return {
    press(digit) {
      stopTimer();
      if (digit === '#') return finish();
      keys += digit;
      timer = setTimeout(finish, pauseMs);
    },
    clear() {
      stopTimer();
      keys = '';
    },
  };
}
