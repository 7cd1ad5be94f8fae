// The LLM stand-in's embedding model: deterministic vectors from word stems and a small four-language
// dictionary of dental-practice concepts, so that ranking is testable and a question finds its passage
// across en/ru/uk/sk the way a multilingual model would — for this vocabulary only.

export const STAND_IN_EMBEDDING_DIMS = 256;

// Concept → beginnings of words (folded: lower case, no accents) that mean it in any of the four languages.
const CONCEPTS: Record<string, string[]> = {
  price: ['price', 'cost', 'much', 'cena', 'ceny', 'cenn', 'stoj', 'kolk', 'stoim', 'цен', 'скольк', 'скільк', 'вартіст', 'кошту', 'евро', 'євро', 'eur'],
  whitening: ['whiten', 'bielen', 'отбел', 'відбіл', 'вибіл'],
  insurance: ['insur', 'poist', 'страх', 'vszp', 'dover', 'union', 'покрив', 'покрыв', 'cover', 'prepla', 'оплачу'],
  cancel: ['cancel', 'zrus', 'отмен', 'скасу', 'перенес', 'presun', 'resched', 'move'],
  parking: ['park', 'парк', 'garaz', 'garage', 'гараж'],
  transport: ['tram', 'elektri', 'трамва', 'bus', 'autobus', 'автобус', 'stop', 'zastav', 'останов', 'зупин'],
  location: ['where', 'addres', 'adres', 'kde', 'locat', 'где', 'адрес', 'nachad', 'знаход', 'находит', 'hlavn', 'kosic', 'кошиц'],
  children: ['child', 'kid', 'diet', 'deti', 'дет', 'діт', 'дитин', 'ребен', 'малыш', 'son', 'daught', 'syn', 'dcer'],
  language: ['languag', 'speak', 'jazyk', 'hovor', 'язык', 'говор', 'мов', 'english', 'anglic', 'англ', 'ukrainian', 'russian'],
  emergency: ['emergenc', 'pain', 'pohotov', 'bolest', 'boli', 'akut', 'urgent', 'неотлож', 'невідклад', 'боль', 'болит', 'біль', 'болить', 'acute', 'swell', 'opuch', 'отек', 'набряк', 'острая', 'гостр'],
  night: ['night', 'weekend', 'noc', 'vikend', 'ночь', 'ночью', 'ніч', 'вночі', 'выходн', 'вихідн', 'sobot', 'nedel', 'субот', 'воскрес', 'неділ'],
  payment: ['pay', 'card', 'cash', 'plat', 'kart', 'hotov', 'оплат', 'карт', 'налич', 'готівк', 'instal', 'splatk', 'рассроч', 'розстроч', 'invoice', 'fakt'],
  hygiene: ['hygien', 'clean', 'гигиен', 'гігієн', 'чистк', 'чищен', 'kamen', 'tartar', 'камен', 'камін', 'наліт', 'налет', 'povlak', 'plaque'],
  implant: ['implant', 'имплант', 'імплант', 'missing', 'chyb', 'отсутств', 'відсутн'],
  filling: ['filling', 'plomb', 'vypln', 'пломб', 'compos', 'kompoz'],
  crown: ['crown', 'korunk', 'коронк', 'ceram', 'keram', 'керам'],
  extraction: ['extract', 'extrak', 'vytrh', 'удал', 'видал', 'вырв', 'вирв', 'pull', 'wisdom', 'mudrost', 'мудрост', 'мудрості'],
  rootcanal: ['root', 'canal', 'kanal', 'koren', 'корн', 'кана', 'корен'],
  checkup: ['check', 'prehliad', 'осмотр', 'огляд', 'exam', 'prevent', 'профилакт', 'профілакт', 'контрол'],
  xray: ['xray', 'rtg', 'rontgen', 'рентген', 'snim', 'знім', 'снимк', 'снимок', 'panoram', 'панорам'],
  documents: ['bring', 'document', 'passport', 'pas', 'doklad', 'документ', 'паспорт', 'взят', 'взяти', 'принес', 'vziat', 'preukaz', 'card', 'identity'],
  guarantee: ['guarant', 'warrant', 'záruk', 'zaruk', 'гарант'],
  pregnancy: ['pregnan', 'tehotn', 'беремен', 'вагітн', 'kojen', 'breastfeed', 'кормл', 'годуван'],
  hours: ['open', 'hour', 'otvar', 'otvor', 'ordinac', 'hodin', 'час', 'годин', 'работ', 'робот', 'close', 'zatvor', 'закрыт', 'зачинен', 'monday', 'pondel', 'понедел', 'понеділ', 'friday', 'piatok', 'пятниц', "п'ятниц"],
  appointment: ['appoint', 'book', 'objedn', 'termin', 'запис', 'прием', 'прийом', 'визит', 'візит', 'visit', 'navstev'],
  ukraine: ['ukrain', 'украин', 'україн', 'tempor', 'docasn', 'тимчасов', 'временн', 'захист', 'защит', 'refugee', 'utecen', 'беженц', 'біженц'],
  anaesthesia: ['anesth', 'anaesth', 'anestez', 'анестез', 'обезбол', 'знебол', 'numb', 'umrtv'],
  duration: ['long', 'dlho', 'trva', 'долго', 'довго', 'трива', 'длит', 'minut', 'хвилин', 'минут', 'hodin'],
  age: ['age', 'old', 'vek', 'year', 'rok', 'возраст', 'вік', 'лет', 'років', 'року'],
  wait: ['wait', 'cak', 'жда', 'чека', 'within', 'soon', 'skoro', 'скоро', 'швидко', 'быстро'],
  first: ['first', 'prv', 'перв', 'перш', 'new', 'nov', 'нов'],
};

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}+/gu, '').normalize('NFC').toLowerCase();
}

const STOPWORDS = new Set(
  fold(
  'a an the is are do does you your we our i my me of to in on at for and or can how what which when with it this that be have has there ' +
    'a aj ale alebo ako je sa na v vo z zo do od pre pri o po si sú su mate máte mam ste som by ma mi vam vas nas ' +
    'и в во на не что как какой какая какие где когда ли у вас вы я мне мой с со по за для от до это есть можно ' +
    'і й в у на не що як який яка які де коли чи у вас ви я мені мій з із по за для від до це є можна',
  ).split(/\s+/),
);

// Folded once: every word of every passage is checked against them.
const FOLDED_CONCEPTS = Object.entries(CONCEPTS).map(([concept, stems]) => [concept, stems.map(fold)] as const);

const PREFIX_LETTERS = 5;


// FNV-1a: small, fast and the same on every run.
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The stand-in's vector for `text`: unit length, or all zeros when it has no word worth keeping. */
export function standInEmbedding(text: string): number[] {
  const vector = new Array<number>(STAND_IN_EMBEDDING_DIMS).fill(0);
  const add = (feature: string, weight: number) => {
    const h = hash(feature);
    vector[h % STAND_IN_EMBEDDING_DIMS]! += h & 0x80000000 ? -weight : weight;
  };
  for (const word of fold(text).match(/[\p{L}\p{N}']+/gu) ?? []) {
    if (STOPWORDS.has(word)) continue;
    for (const [concept, stems] of FOLDED_CONCEPTS) {
      if (stems.some((stem) => word.startsWith(stem))) add(`concept:${concept}`, 2);
    }
    if (word.length >= 3) add(`word:${word.slice(0, PREFIX_LETTERS)}`, 1);
  }
  const length = Math.hypot(...vector);
  return length === 0 ? vector : vector.map((value) => value / length);
}
