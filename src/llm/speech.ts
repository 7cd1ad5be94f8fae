// Speech synthesis through an OpenAI-compatible /audio/speech endpoint, bounded in time, failures sorted by cause.
import { createOpenAI } from '@ai-sdk/openai';
import { experimental_generateSpeech as generateSpeech, NoSpeechGeneratedError } from 'ai';
import type { Config } from '../config.ts';
import { classifyLlmError, summarizeLlmError } from './errors.ts';

export const AUDIO_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

/** OpenAI's opus comes in an Ogg container; pcm is raw 24 kHz 16-bit little-endian. */
export const AUDIO_CONTENT_TYPES: Record<AudioFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

export const SPEECH_TIMEOUT_MS = 15_000;

export interface SpeechRequest {
  text: string;
  voice: string;
  model: string;
  format: AudioFormat;
  speed: number;
}

/** `unavailable`: the provider could not be reached or did not answer in time; `failed`: it answered with an error. */
export class SpeechError extends Error {
  readonly kind: 'unavailable' | 'failed';
  readonly providerStatus: number | undefined;
  constructor(kind: 'unavailable' | 'failed', message: string, providerStatus?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SpeechError';
    this.kind = kind;
    this.providerStatus = providerStatus;
  }
}

export type Synthesize = (request: SpeechRequest) => Promise<Uint8Array>;

// Provider messages are shown to the client; a runaway HTML error page is not.
const clip = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

export function createSpeechSynthesizer(speech: NonNullable<Config['speech']>, timeoutMs: number = SPEECH_TIMEOUT_MS): Synthesize {
  // Local servers often need no key, but the SDK insists on one.
  const provider = createOpenAI({ apiKey: speech.apiKey ?? 'not-needed', baseURL: speech.baseUrl });
  return async (request) => {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const result = await generateSpeech({
        model: provider.speech(request.model),
        text: request.text,
        voice: request.voice,
        outputFormat: request.format,
        speed: request.speed,
        // The API client owns retries: a hidden retry would double the wait on a failing provider.
        maxRetries: 0,
        abortSignal: signal,
      });
      return result.audio.uint8Array;
    } catch (error) {
      if (signal.aborted) {
        throw new SpeechError('unavailable', `The speech provider did not answer within ${timeoutMs / 1000} s.`, undefined, { cause: error });
      }
      if (NoSpeechGeneratedError.isInstance(error)) {
        throw new SpeechError('failed', 'The speech provider answered without audio.', undefined, { cause: error });
      }
      const { statusCode, message } = summarizeLlmError(error);
      if (statusCode !== undefined) {
        throw new SpeechError('failed', clip(`The speech provider answered HTTP ${statusCode}: ${message}`), statusCode, { cause: error });
      }
      if (classifyLlmError(error, false) === 'unreachable') {
        throw new SpeechError('unavailable', 'The speech provider could not be reached.', undefined, { cause: error });
      }
      throw error;
    }
  };
}
