// switch_language: the conversation goes on in another of the supported languages, when the caller asks for it.
import { z } from 'zod';
import { LANGUAGES } from '../../config.ts';
import { setConversationLanguage } from '../../db/conversations-repo.ts';
import { defineTool } from './tool.ts';

const NAMES = { en: 'English', ru: 'Russian', uk: 'Ukrainian', sk: 'Slovak' } as const;

export const switchLanguage = defineTool({
  name: 'switch_language',
  description:
    'Switch the conversation to another language when the caller asks to speak it or keeps speaking it: ' +
    'en (English), ru (Russian), uk (Ukrainian) or sk (Slovak). Then answer in that language.',
  inputSchema: z.object({ language: z.enum(LANGUAGES).describe('The language to go on in') }),
  async execute(input, context) {
    // Stored at once, so the transport speaks it from this reply on and the next turn's prompt is in it.
    await setConversationLanguage(context.db, context.conversation.id, input.language);
    context.switchLanguage(input.language);
    return { language: input.language, instruction: `Answer in ${NAMES[input.language]} from now on.` };
  },
});
