/**
 * Sending rendered judge prompts to a judge model and reading back its replies. The system and user
 * messages go through the judge's own chat template (a judge without one gets them as plain text,
 * system first); decoding is greedy, as the sources run their judges at temperature 0. A prompt
 * that does not fit the judge's context is skipped with its length, never cut.
 */
import type { FinishReason, LanguageModel } from '../../engine/language-model.js';
import { encodePrompt } from './prompt-encoding.js';
import type { RenderedJudgePrompt } from './mtbench.js';

export type JudgeOutcome =
  | { readonly status: 'ok'; readonly reply: string; readonly finishReason: FinishReason; readonly promptTokens: number; readonly replyTokens: number }
  | { readonly status: 'skipped'; readonly reason: string; readonly promptTokens: number };

export function judgeInputText(judge: LanguageModel, prompt: RenderedJudgePrompt): string {
  const { tokenizer } = judge;
  if (tokenizer.hasChatTemplate) {
    const messages = prompt.system === '' ? [{ role: 'user' as const, content: prompt.user }] : [{ role: 'system' as const, content: prompt.system }, { role: 'user' as const, content: prompt.user }];
    return tokenizer.renderChat(messages, true);
  }
  return prompt.system === '' ? prompt.user : `${prompt.system}\n\n${prompt.user}`;
}

/** Judges several prompts in one engine call (the replies do not depend on the batching). */
export async function askJudge(judge: LanguageModel, prompts: readonly RenderedJudgePrompt[], maxOutLen: number): Promise<JudgeOutcome[]> {
  const context = judge.info.contextLength;
  const encoded = await Promise.all(prompts.map((prompt) => encodePrompt(judgeInputText(judge, prompt), judge.tokenizer)));
  const runnable = encoded.map((ids, index) => ({ ids, index })).filter(({ ids }) => ids.length + 1 <= context);
  const results = runnable.length === 0 ? [] : await judge.generateBatch(runnable.map(({ ids }) => ({
    promptIds: ids,
    options: { maxNewTokens: Math.min(maxOutLen, context - ids.length), stopTokenIds: judge.tokenizer.stopTokenIds },
  })));
  const byIndex = new Map(runnable.map(({ index }, position) => [index, results[position]]));
  return encoded.map((ids, index): JudgeOutcome => {
    const result = byIndex.get(index);
    if (!result) return { status: 'skipped', reason: `judge prompt is ${ids.length} tokens, longer than the judge's context of ${context} tokens`, promptTokens: ids.length };
    return { status: 'ok', reply: result.text, finishReason: result.finishReason, promptTokens: ids.length, replyTokens: result.tokenIds.length };
  });
}
