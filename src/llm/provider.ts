// Builds the AI SDK language model for the configured provider (OpenAI-compatible or Anthropic).
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import type { LanguageModel } from 'ai';
import type { LlmConfig } from '../config.ts';
import { keepAliveFetch } from './keep-alive-fetch.ts';

export function createLanguageModel(llm: LlmConfig): LanguageModel {
  if (llm.provider === 'anthropic') {
    return createAnthropic({ apiKey: llm.apiKey, baseURL: llm.baseUrl, fetch: keepAliveFetch })(llm.model);
  }
  // Local servers (Ollama, vLLM, llama.cpp) often need no key, but the SDK insists on one.
  const openai = createOpenAI({ apiKey: llm.apiKey ?? 'not-needed', baseURL: llm.baseUrl, fetch: keepAliveFetch });
  // Chat Completions, not the Responses API: it is what every OpenAI-compatible server speaks.
  return openai.chat(llm.model);
}

/** The provider's model-list URL and headers, used by the readiness check, and the variable its key comes from. */
export function modelsRequest(llm: LlmConfig): { url: string; headers: Record<string, string>; keyVariable: string } {
  if (llm.provider === 'anthropic') {
    return {
      url: `${llm.baseUrl ?? 'https://api.anthropic.com/v1'}/models`,
      headers: { 'x-api-key': llm.apiKey, 'anthropic-version': '2023-06-01' },
      keyVariable: 'ANTHROPIC_API_KEY',
    };
  }
  return {
    url: `${llm.baseUrl ?? 'https://api.openai.com/v1'}/models`,
    headers: llm.apiKey ? { authorization: `Bearer ${llm.apiKey}` } : {},
    keyVariable: 'OPENAI_API_KEY',
  };
}
