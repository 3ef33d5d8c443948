/**
 * Sending rendered judge prompts to a judge model and reading back its replies. The system and user
 * messages go through the judge's own chat template (a judge without one gets them as plain text,
 * system first); decoding is greedy, as the sources run their judges at temperature 0. A prompt
 * that does not fit the judge's context is skipped with its length, never cut.
 */
import { BatchRequestError, ModelRequestError, UserError, type ChatMessage, type FinishReason, type LanguageModel } from '../../engine/language-model.js';
import { encodePrompt } from './prompt-encoding.js';
import type { RenderedJudgePrompt } from './mtbench.js';

export type JudgeOutcome =
  | { readonly status: 'ok'; readonly reply: string; readonly finishReason: FinishReason; readonly promptTokens: number; readonly replyTokens: number }
  | { readonly status: 'skipped'; readonly reason: string; readonly promptTokens: number };

/** The judge conversation: the system message (when the preset has one), then the user message. */
function judgeMessages(prompt: RenderedJudgePrompt): ChatMessage[] {
  return prompt.system === '' ? [{ role: 'user', content: prompt.user }] : [{ role: 'system', content: prompt.system }, { role: 'user', content: prompt.user }];
}

export function judgeInputText(judge: LanguageModel, prompt: RenderedJudgePrompt): string {
  const { tokenizer } = judge;
  if (tokenizer.hasChatTemplate) return tokenizer.renderChat(judgeMessages(prompt), true);
  return prompt.system === '' ? prompt.user : `${prompt.system}\n\n${prompt.user}`;
}

/**
 * A served judge that still fails after its retries stops the run with what to do: the judgements
 * already written stay, and `--resume` asks for the rest. (Records have no error status here.)
 */
export function stopOnServedFailure(error: unknown): never {
  const failure = error instanceof BatchRequestError ? error.outcomes.find((o): o is ModelRequestError => o instanceof ModelRequestError) : error;
  if (failure instanceof ModelRequestError) {
    throw new UserError(`a served model's request failed after ${failure.attempts} attempt(s): ${failure.message}`, 'the finished judgements and answers are saved; run again with --resume RUN_DIR once the server answers');
  }
  throw error;
}

/** Judges several prompts in one engine call (the replies do not depend on the batching). */
export async function askJudge(judge: LanguageModel, prompts: readonly RenderedJudgePrompt[], maxOutLen: number): Promise<JudgeOutcome[]> {
  const context = judge.info.contextLength;
  const encoded = await Promise.all(prompts.map((prompt) => encodePrompt(judgeInputText(judge, prompt), judge.tokenizer)));
  const runnable = encoded.map((ids, index) => ({ ids, index })).filter(({ ids }) => ids.length + 1 <= context);
  // `messages`: a served judge's chat endpoint gets the conversation itself (the engine ignores them).
  const results = runnable.length === 0 ? [] : await judge.generateBatch(runnable.map(({ ids, index }) => ({
    promptIds: ids,
    options: { maxNewTokens: Math.min(maxOutLen, context - ids.length), stopTokenIds: judge.tokenizer.stopTokenIds, messages: judgeMessages(prompts[index] as RenderedJudgePrompt) },
  }))).catch(stopOnServedFailure);
  const byIndex = new Map(runnable.map(({ index }, position) => [index, results[position]]));
  return encoded.map((ids, index): JudgeOutcome => {
    const result = byIndex.get(index);
    if (!result) return { status: 'skipped', reason: `judge prompt is ${ids.length} tokens, longer than the judge's context of ${context} tokens`, promptTokens: ids.length };
    return { status: 'ok', reply: result.text, finishReason: result.finishReason, promptTokens: ids.length, replyTokens: result.tokenIds.length };
  });
}
