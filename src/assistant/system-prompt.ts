// Builds the system prompt from the per-language template file and the business profile.
import { readFileSync } from 'node:fs';
import { LANGUAGES, type Language } from '../config.ts';
import { describeHours, type Profile } from '../profile.ts';

const LOCALES: Record<Language, string> = { en: 'en-GB', ru: 'ru-RU', uk: 'uk-UA', sk: 'sk-SK' };

export type PromptTemplates = Readonly<Record<Language, string>>;

/** Reads the four templates once, at start, so no turn touches the disk. */
export function loadPromptTemplates(): PromptTemplates {
  return Object.freeze(
    Object.fromEntries(
      LANGUAGES.map((language) => [language, readFileSync(new URL(`./prompts/${language}.md`, import.meta.url), 'utf8')]),
    ) as Record<Language, string>,
  );
}

// Building an Intl.DateTimeFormat costs far more than formatting with one: keep one per locale and zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatNow(language: Language, timeZone: string, now: Date): string {
  const key = `${language} ${timeZone}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'full', timeStyle: 'short', timeZone });
    formatters.set(key, formatter);
  }
  return formatter.format(now);
}

/** What is known of the caller before they speak: filled from their customer record. */
export interface CallerContext {
  name: string | null;
  /** Conversations before this one. */
  previousConversations: number;
  /**
   * A short summary of their recent conversations, written after each one ends (issue 9, the
   * after-conversation summaries); absent until those exist.
   */
  recentConversationsSummary?: string;
}

/**
 * A template with what is the same for every turn of one minute filled in (the business, the
 * time, the hours): the text between the two parts that change per turn, the instructions (which
 * carry the caller) and the passages.
 */
interface PromptShape {
  texts: string[];
  slots: ('instructions' | 'passages')[];
}

// Per profile and templates: the shapes of the current minute (a new minute starts a new map), and the instructions without the caller.
const shapes = new WeakMap<Profile, WeakMap<PromptTemplates, { minute: number; byLanguage: Map<Language, PromptShape> }>>();
const businessInstructions = new WeakMap<Profile, string>();

function shapeOf(templates: PromptTemplates, profile: Profile, language: Language, now: Date): PromptShape {
  let forProfile = shapes.get(profile);
  if (!forProfile) shapes.set(profile, (forProfile = new WeakMap()));
  const minute = Math.floor(now.getTime() / 60_000);
  let cached = forProfile.get(templates);
  if (!cached || cached.minute !== minute) forProfile.set(templates, (cached = { minute, byLanguage: new Map() }));
  let shape = cached.byLanguage.get(language);
  if (!shape) cached.byLanguage.set(language, (shape = makeShape(templates[language], profile, language, now)));
  return shape;
}

function makeShape(template: string, profile: Profile, language: Language, now: Date): PromptShape {
  const values: Record<string, string> = {
    business: profile.name,
    now: formatNow(language, profile.timezone, now),
    hours: describeHours(profile) || '-',
  };
  const shape: PromptShape = { texts: [''], slots: [] };
  let last = 0;
  // One pass over the template, as a single replace would make: a value is never read as a placeholder.
  for (const match of template.matchAll(/\{\{(\w+)\}\}/g)) {
    const key = match[1]!;
    shape.texts[shape.texts.length - 1] += template.slice(last, match.index);
    last = match.index + match[0].length;
    if (key === 'instructions' || key === 'passages') {
      shape.slots.push(key);
      shape.texts.push('');
    } else {
      shape.texts[shape.texts.length - 1] += values[key] ?? match[0];
    }
  }
  shape.texts[shape.texts.length - 1] += template.slice(last);
  return shape;
}

/**
 * `passages`: the knowledge base's passages for this turn, rendered ("-" when there are none);
 * `caller`: what is known of the caller from their customer record. The parts that change only
 * with the minute are made once a minute per language (formatting the date costs most of it).
 */
export function buildSystemPrompt(
  templates: PromptTemplates,
  profile: Profile,
  language: Language,
  now: Date,
  passages = '-',
  caller?: CallerContext | null,
): string {
  let business = businessInstructions.get(profile);
  if (business === undefined) {
    // The services and the caller join the business information, so that the passages stay the
    // prompt's last block, where every language's template puts them.
    business = [profile.instructions, describeServices(profile)].filter(Boolean).join('\n\n');
    businessInstructions.set(profile, business);
  }
  const instructions = [business, caller ? describeCaller(caller) : ''].filter(Boolean).join('\n\n') || '-';
  const { texts, slots } = shapeOf(templates, profile, language, now);
  let prompt = texts[0]!;
  for (let i = 0; i < slots.length; i += 1) prompt += (slots[i] === 'passages' ? passages : instructions) + texts[i + 1]!;
  return prompt;
}

/**
 * The caller as the model should know them. The name is quoted as data: the caller chose it, and
 * it must not read as an instruction.
 */
function describeCaller(caller: CallerContext): string {
  if (caller.previousConversations === 0 && !caller.name) return '';
  const lines = [
    caller.name
      ? `Returning caller, known by the name ${JSON.stringify(caller.name)}: you may greet them by it. ${caller.previousConversations} earlier conversation(s).`
      : `This caller has been in touch ${caller.previousConversations} time(s) before; their name is not known yet.`,
  ];
  if (caller.recentConversationsSummary) lines.push(`Their recent conversations, summarised: ${caller.recentConversationsSummary}`);
  return lines.join('\n');
}

/**
 * The bookable services, in English whatever the caller's language: the model reads it, and
 * the names must reach the booking tools exactly as the profile spells them.
 */
function describeServices(profile: Profile): string {
  if (profile.services.length === 0) return '';
  const lines = profile.services.map(
    (s) => `- ${s.name}: ${s.duration_minutes} min${s.price ? `, ${s.price}` : ''}${s.description ? ` (${s.description})` : ''}`,
  );
  return [
    'Bookable services (pass the name exactly as written to the booking tools; times are in the business\'s time zone):',
    ...lines,
  ].join('\n');
}
