// Parses a TwiML answer into the verbs the simulator plays, in document order.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type Verb =
  | { kind: 'say'; text: string }
  | {
      kind: 'gather';
      /** As written in the document (entities decoded); undefined means "post back to this document's URL". */
      action: string | undefined;
      input: string;
      language: string | undefined;
      actionOnEmptyResult: boolean;
      /** The verbs nested in the Gather (Say, Pause, Play), played while it listens. */
      prompts: Verb[];
    }
  | { kind: 'redirect'; url: string }
  | { kind: 'hangup' }
  | { kind: 'pause' }
  | {
      kind: 'dial';
      number: string;
      /** Where Twilio posts how the dial ended; undefined: the call simply ends with the dial. */
      action: string | undefined;
      timeoutSeconds: number | undefined;
    }
  | { kind: 'message'; text: string }
  | { kind: 'other'; name: string };

export class TwimlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TwimlError';
  }
}

// preserveOrder keeps verbs in the order Twilio would play them; each node is { Tag: children, ':@': attributes }.
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Numeric references (&#39;) as well as the five XML entities.
  htmlEntities: true,
});

export function parseTwiml(xml: string): Verb[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new TwimlError(`not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
  const response = asNodes(parser.parse(xml)).find((node) => tagName(node) === 'Response');
  if (!response) throw new TwimlError('no <Response> element');
  return children(response).flatMap(toVerb);
}

function toVerb(node: OrderedNode): Verb[] {
  const name = tagName(node);
  const attributes = attributesOf(node);
  switch (name) {
    case undefined:
      return []; // text or a comment directly inside <Response>: Twilio ignores it
    case 'Say':
      return [{ kind: 'say', text: textOf(node) }];
    case 'Gather':
      return [
        {
          kind: 'gather',
          action: attributes.action || undefined,
          input: attributes.input ?? 'dtmf',
          language: attributes.language,
          actionOnEmptyResult: attributes.actionOnEmptyResult === 'true',
          prompts: children(node).flatMap(toVerb),
        },
      ];
    case 'Redirect':
      return [{ kind: 'redirect', url: textOf(node) }];
    case 'Hangup':
      return [{ kind: 'hangup' }];
    case 'Pause':
      return [{ kind: 'pause' }];
    case 'Dial':
      return [{ kind: 'dial', number: textOf(node), action: attributes.action || undefined, timeoutSeconds: attributes.timeout ? Number(attributes.timeout) : undefined }];
    case 'Message': {
      // Both <Message>text</Message> and <Message><Body>text</Body><Media>…</Media></Message> are valid.
      const body = children(node).find((child) => tagName(child) === 'Body');
      return [{ kind: 'message', text: textOf(body ?? node) }];
    }
    default:
      return [{ kind: 'other', name }];
  }
}

function asNodes(value: unknown): OrderedNode[] {
  return Array.isArray(value) ? value.filter((item): item is OrderedNode => typeof item === 'object' && item !== null) : [];
}

function tagName(node: OrderedNode): string | undefined {
  return Object.keys(node).find((key) => key !== ':@' && key !== '#text' && !key.startsWith('?'));
}

function children(node: OrderedNode): OrderedNode[] {
  const name = tagName(node);
  return name === undefined ? [] : asNodes(node[name]);
}

function attributesOf(node: OrderedNode): Record<string, string | undefined> {
  const attributes = node[':@'];
  return typeof attributes === 'object' && attributes !== null ? (attributes as Record<string, string>) : {};
}

/** All text inside a node, nested elements (SSML, <Number>) included, with whitespace collapsed. */
function textOf(node: OrderedNode): string {
  const pieces: string[] = [];
  const collect = (current: OrderedNode) => {
    if (typeof current['#text'] === 'string') pieces.push(current['#text']);
    for (const child of children(current)) collect(child);
  };
  collect(node);
  return pieces.join(' ').replace(/\s+/g, ' ').trim();
}
