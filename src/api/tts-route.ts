// POST /v1/tts: text to audio through the configured OpenAI-compatible speech endpoint.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { cleanTextSchema } from '../clean-text.ts';
import type { Config } from '../config.ts';
import { HttpError } from '../http-error.ts';
import { summarizeLlmError } from '../llm/errors.ts';
import { AUDIO_CONTENT_TYPES, AUDIO_FORMATS, createSpeechSynthesizer, SpeechError } from '../llm/speech.ts';
import { errorResponse } from '../ops/error-handler.ts';

export const MAX_TTS_TEXT_LENGTH = 4096;

const ttsRequest = z.object({
  text: cleanTextSchema(MAX_TTS_TEXT_LENGTH).describe(`What to say: 1 to ${MAX_TTS_TEXT_LENGTH} characters once control characters and surrounding space are removed`),
  voice: z
    .string({ error: 'must be a voice name such as alloy' })
    .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be a voice name such as alloy (letters, digits, - and _, at most 64)' })
    .default('alloy'),
  model: z
    .string({ error: 'must be a speech model name such as gpt-4o-mini-tts' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/, { error: 'must be a speech model name such as gpt-4o-mini-tts' })
    .default('gpt-4o-mini-tts'),
  response_format: z.enum(AUDIO_FORMATS, { error: 'must be one of mp3, opus, aac, flac, wav, pcm' }).default('mp3'),
  speed: z
    .number({ error: 'must be a number from 0.25 to 4.0' })
    .min(0.25, { error: 'must be a number from 0.25 to 4.0' })
    .max(4, { error: 'must be a number from 0.25 to 4.0' })
    .default(1),
});

// The bytes are sent as they are (Fastify serializes no Buffer); the schema only documents them.
const audio = z.instanceof(Buffer).meta({ type: 'string', format: 'binary' });

export interface TtsRouteDeps {
  /** null when no OpenAI-compatible endpoint is configured. */
  speech: Config['speech'];
  timeoutMs?: number;
}

export function registerTtsRoute(app: FastifyInstance, deps: TtsRouteDeps): void {
  const synthesize = deps.speech ? createSpeechSynthesizer(deps.speech, deps.timeoutMs) : null;
  app.withTypeProvider<ZodTypeProvider>().post('/v1/tts', {
    schema: {
      summary: 'Synthesize speech',
      tags: ['speech'],
      body: ttsRequest,
      response: {
        200: {
          description: 'The audio, in the content type of response_format',
          content: Object.fromEntries(Object.values(AUDIO_CONTENT_TYPES).map((type) => [type, { schema: audio }])),
        },
        502: errorResponse('The speech provider answered an error; message carries its HTTP status (tts_failed)'),
        503: errorResponse(
          'Speech is not configured (tts_not_configured), the provider did not answer within 15 s (tts_unavailable), or the API is disabled (api_disabled)',
        ),
      },
    },
    handler: async (request, reply) => {
      if (!synthesize) {
        throw new HttpError(503, 'tts_not_configured', 'Speech synthesis is not configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for a compatible server).');
      }
      const { text, voice, model, response_format: format, speed } = request.body;
      try {
        const bytes = await synthesize({ text, voice, model, format, speed });
        return reply.type(AUDIO_CONTENT_TYPES[format]).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (error) {
        if (!(error instanceof SpeechError)) throw error;
        request.log.warn({ err: summarizeLlmError(error.cause), kind: error.kind }, 'speech synthesis failed');
        if (error.kind === 'unavailable') throw new HttpError(503, 'tts_unavailable', error.message);
        throw new HttpError(502, 'tts_failed', error.message);
      }
    },
  });
}
