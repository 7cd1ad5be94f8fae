// Tagged-template HTML that escapes every interpolated value unless it is itself a piece of built HTML.
import escapeHtml from 'escape-html';

/** Markup built by `html` (or trusted on purpose with `trusted`); anything else interpolated is escaped. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** html`<p>${text}</p>`: `text` is escaped; arrays of Html are joined; null, undefined and false render nothing. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new Html(out);
}

/** Markup from this code itself (never from data). */
export function trusted(markup: string): Html {
  return new Html(markup);
}
