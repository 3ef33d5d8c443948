/**
 * Answers from a model (`--model DIR`): each question's turns in order, the model's own first answer
 * fed back before the second question (FastChat's gen_model_answer does the same), greedy decoding
 * through the model's chat template. Each finished question is appended to
 * `RUN/answers/<model>.jsonl` in FastChat's model_answer format, so a resumed run generates only
 * what is missing and the answers can be judged again later with `--answers`.
 */
import { stopOnServedFailure } from './judging.js';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage, LanguageModel } from '../../engine/language-model.js';
import { encodePrompt } from './prompt-encoding.js';
import { rethrowFileSystemError } from '../file-errors.js';
import { RecordWriter, readJsonl } from '../records.js';
import { readAnswerFile, type ModelAnswers } from './answers.js';
import type { SubjectiveQuestion } from './question-set.js';

interface AnswerLine {
  readonly question_id: number | string;
  readonly model_id: string;
  readonly choices: readonly { readonly index: number; readonly turns: readonly string[] }[];
  readonly finish_reasons: readonly string[];
  readonly tstamp: number;
  readonly gnomon_skip_reason?: string;
}

export function answersFile(runDir: string, model: string): string {
  return join(runDir, 'answers', `${model.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`);
}

function conversationText(model: LanguageModel, messages: readonly ChatMessage[]): string {
  if (model.tokenizer.hasChatTemplate) return model.tokenizer.renderChat(messages, true);
  return messages.map((m) => m.content).join('\n\n');
}

export interface AnswerGenerationOptions {
  readonly maxOutLen: number;
  readonly log?: (line: string) => void;
}

/** Generates the missing answers of `questions` (all their turns) and returns every answer on file. */
export async function generateAnswers(model: LanguageModel, questions: readonly SubjectiveQuestion[], runDir: string, options: AnswerGenerationOptions): Promise<ModelAnswers> {
  const file = answersFile(runDir, model.info.name);
  try {
    mkdirSync(join(runDir, 'answers'), { recursive: true });
  } catch (error) {
    rethrowFileSystemError(error, join(runDir, 'answers'), 'creating the answers folder');
  }
  const done = new Set(readJsonl<AnswerLine>(file, true).map((line) => String(line.question_id)));
  const writer = new RecordWriter<AnswerLine>(file);
  const context = model.info.contextLength;
  let written = 0;
  for (const question of questions) {
    if (done.has(question.id)) continue;
    const messages: ChatMessage[] = [];
    const turns: string[] = [];
    const finishReasons: string[] = [];
    let skipReason: string | undefined;
    for (const [index, turn] of question.turns.entries()) {
      messages.push({ role: 'user', content: turn });
      const ids = await encodePrompt(conversationText(model, messages), model.tokenizer);
      if (ids.length + 1 > context) {
        skipReason = `turn ${index + 1} prompt is ${ids.length} tokens, longer than the model's context of ${context} tokens`;
        break;
      }
      // `messages`: a served model's chat endpoint gets the turns themselves (the engine ignores them).
      const result = await model.generate(ids, { maxNewTokens: Math.min(options.maxOutLen, context - ids.length), stopTokenIds: model.tokenizer.stopTokenIds, messages: [...messages] }).catch(stopOnServedFailure);
      turns.push(result.text);
      finishReasons.push(result.finishReason);
      messages.push({ role: 'assistant', content: result.text });
    }
    writer.append({
      question_id: /^\d+$/.test(question.id) ? Number(question.id) : question.id, model_id: model.info.name,
      choices: [{ index: 0, turns }], finish_reasons: finishReasons, tstamp: Date.now() / 1000,
      ...(skipReason ? { gnomon_skip_reason: skipReason } : {}),
    });
    written += 1;
    options.log?.(`answered question ${question.id} (${written} new)${skipReason ? `: ${skipReason}` : ''}`);
  }
  return readAnswerFile(file, model.info.name);
}
