// Backchannels: the "mm-hm" and "okay" a listener says while someone talks, which must not cut a reply short.
const BACKCHANNEL_WORDS = new Set([
  // en
  'ok', 'okay', 'yeah', 'yes', 'yep', 'uh-huh', 'uh', 'huh', 'mm-hm', 'mhm', 'mm', 'hmm', 'right', 'sure', 'alright', 'i', 'see',
  // ru
  'да', 'ага', 'угу', 'ок', 'окей', 'хорошо', 'понятно', 'так', 'ясно',
  // uk
  'добре', 'зрозуміло', 'авжеж',
  // sk
  'áno', 'hej', 'jasné', 'dobre', 'aha', 'hm', 'mhm', 'rozumiem',
]);

/** Up to this many words can be a backchannel; anything longer is the caller saying something. */
const MAX_WORDS = 2;

/** Whether `text` is only a short acknowledgement ("okay", "mm-hm", "угу", "áno, jasné"). */
export function isBackchannel(text: string): boolean {
  const words = text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);
  return words.length > 0 && words.length <= MAX_WORDS && words.every((word) => BACKCHANNEL_WORDS.has(word));
}
