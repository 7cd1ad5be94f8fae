// Types for wink-porter2-stemmer, which ships none: one function from a lower-case English word to its Snowball (Porter2) stem.
declare module 'wink-porter2-stemmer' {
  export default function stem(word: string): string;
}
