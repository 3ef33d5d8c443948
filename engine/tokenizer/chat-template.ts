/**
 * Chat templates: the Jinja source a checkpoint ships in tokenizer_config.json (`chat_template`),
 * rendered with @huggingface/jinja the way transformers' `apply_chat_template` does (trim_blocks and
 * lstrip_blocks on, `bos_token` / `eos_token` / `messages` / `add_generation_prompt` in scope;
 * the library itself provides `raise_exception`).
 */
import { Template } from '@huggingface/jinja';
import { UserError } from '../errors.js';
import type { ChatMessage } from '../language-model.js';

/** The special-token strings a template may refer to. */
export interface ChatTemplateTokens {
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly unkToken?: string | undefined;
}

export interface ChatTemplate {
  /** Where the template came from, for error messages (e.g. `DIR/tokenizer_config.json`). */
  readonly file: string;
  render(messages: readonly ChatMessage[], addGenerationPrompt: boolean): string;
}

/**
 * Parses the template once, so that a template the user can fix (a Jinja syntax error) fails when the
 * model loads rather than in the middle of a run.
 */
export function compileChatTemplate(source: string, file: string, tokens: ChatTemplateTokens): ChatTemplate {
  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    throw new UserError(
      `${file}: key chat_template is not a valid Jinja template (${describe(error)})`,
      'fix the template in tokenizer_config.json, or delete the chat_template key to use the model without chat formatting',
    );
  }
  return {
    file,
    render(messages, addGenerationPrompt) {
      const context: Record<string, unknown> = {
        // Plain objects: templates index messages with both message['role'] and message.role.
        messages: messages.map((message) => ({ role: message.role, content: message.content })),
        add_generation_prompt: addGenerationPrompt,
        bos_token: tokens.bosToken ?? '',
        eos_token: tokens.eosToken ?? '',
        unk_token: tokens.unkToken ?? '',
      };
      try {
        return template.render(context);
      } catch (error) {
        // Either the template is broken or it rejected the conversation with raise_exception(...).
        throw new UserError(
          `${file}: key chat_template failed to render the conversation (${describe(error)})`,
          'check the message roles and their order (many templates require alternating user/assistant turns); otherwise fix the template',
        );
      }
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
