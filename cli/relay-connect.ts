// Finds the <Connect><ConversationRelay> in a TwiML answer: the socket to open, the greeting Twilio would say, and the session's parameters.
import { XMLParser } from 'fast-xml-parser';

export interface RelayConnect {
  /** The wss:// (or ws://) URL Twilio would open, exactly as written: it is what the upgrade's signature covers. */
  url: string;
  welcomeGreeting: string;
  /** Where Twilio posts when the session ends. */
  action: string | undefined;
  parameters: Record<string, string>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  htmlEntities: true,
  isArray: (name) => name === 'Parameter' || name === 'Language',
});

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The relay to connect to, or null when the answer is no <Connect><ConversationRelay> (a turn-based answer, say). */
export function findRelayConnect(xml: string): RelayConnect | null {
  const document: unknown = parser.parse(xml);
  const response = isNode(document) ? document['Response'] : undefined;
  const connect = isNode(response) ? response['Connect'] : undefined;
  const relay = isNode(connect) ? connect['ConversationRelay'] : undefined;
  if (!isNode(connect) || !isNode(relay) || typeof relay['url'] !== 'string') return null;
  const parameters: Record<string, string> = {};
  for (const parameter of Array.isArray(relay['Parameter']) ? relay['Parameter'] : []) {
    if (isNode(parameter) && typeof parameter['name'] === 'string') parameters[parameter['name']] = String(parameter['value'] ?? '');
  }
  return {
    url: relay['url'],
    welcomeGreeting: typeof relay['welcomeGreeting'] === 'string' ? relay['welcomeGreeting'] : '',
    action: typeof connect['action'] === 'string' ? connect['action'] : undefined,
    parameters,
  };
}
