// `phone-assistant call --sms`: text messages to a running server, each stdin line one SMS, as Twilio would deliver them.
import { maskPhone } from '../src/phone.ts';
import { newSid, type CallSettings } from './call-settings.ts';
import { CliError } from './cli-error.ts';
import { openLineInput } from './line-input.ts';
import { errorLine, noteLine, sayLine } from './terminal.ts';
import { fetchTwiml } from './twilio-request.ts';

export async function runSms(settings: CallSettings): Promise<number> {
  const url = `${settings.baseUrl}/twilio/sms`;
  noteLine(`texting ${settings.baseUrl} from ${maskPhone(settings.from)} … (Ctrl-D ends)`);
  const lines = openLineInput({ input: process.stdin, output: process.stdout, prompt: 'you: ' });
  try {
    for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
      // A phone cannot send an empty text.
      if (line.trim() === '') continue;
      const params = {
        MessageSid: newSid('SM'),
        AccountSid: settings.accountSid,
        From: settings.from,
        To: settings.to,
        Body: line,
        NumMedia: '0',
        NumSegments: '1',
        ApiVersion: '2010-04-01',
      };
      for (const verb of await fetchTwiml({ url, params }, settings)) {
        if (verb.kind === 'message' && verb.text) sayLine('assistant', verb.text);
        else if (verb.kind !== 'message') noteLine('(skipped a verb other than <Message> in the answer to an SMS)');
      }
    }
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    errorLine(error.message);
    return 1;
  } finally {
    lines.close();
  }
}
