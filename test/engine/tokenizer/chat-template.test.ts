import { describe, expect, it } from 'vitest';
import { compileChatTemplate } from '../../../engine/tokenizer/chat-template.js';
import { UserError } from '../../../engine/errors.js';

// The template shipped in internlm2-chat-1_8b's tokenizer_config.json, verbatim.
const INTERNLM2_CHAT_TEMPLATE =
  "{{ bos_token }}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const tokens = { bosToken: '<s>', eosToken: '</s>' };

describe('InternLM2 chat template', () => {
  const template = compileChatTemplate(INTERNLM2_CHAT_TEMPLATE, 'internlm2-chat-1_8b/tokenizer_config.json', tokens);

  it('renders a conversation with the generation prompt byte-exactly', () => {
    const rendered = template.render(
      [
        { role: 'system', content: 'You are an AI assistant whose name is InternLM (书生·浦语).' },
        { role: 'user', content: '以下是中国关于计算机网络考试的单项选择题。\nA. 1\nB. 2' },
        { role: 'assistant', content: '答案: B' },
        { role: 'user', content: 'Why?  ' },
      ],
      true,
    );
    expect(rendered).toBe(
      '<s><|im_start|>system\nYou are an AI assistant whose name is InternLM (书生·浦语).<|im_end|>\n' +
        '<|im_start|>user\n以下是中国关于计算机网络考试的单项选择题。\nA. 1\nB. 2<|im_end|>\n' +
        '<|im_start|>assistant\n答案: B<|im_end|>\n' +
        '<|im_start|>user\nWhy?  <|im_end|>\n' +
        '<|im_start|>assistant\n',
    );
  });

  it('omits the assistant header without add_generation_prompt', () => {
    expect(template.render([{ role: 'user', content: 'hi' }], false)).toBe('<s><|im_start|>user\nhi<|im_end|>\n');
  });

  it('renders an empty bos when the tokenizer has none', () => {
    const noBos = compileChatTemplate(INTERNLM2_CHAT_TEMPLATE, 'f', { bosToken: undefined, eosToken: undefined });
    expect(noBos.render([], true)).toBe('<|im_start|>assistant\n');
  });
});

describe('chat template rendering rules shared with transformers', () => {
  it('trims the newline after a block tag and strips indentation before it (trim_blocks, lstrip_blocks)', () => {
    const source = '{% for m in messages %}\n    {{ m.role }}: {{ m.content }}\n{% endfor %}';
    const template = compileChatTemplate(source, 'f', tokens);
    expect(template.render([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], false)).toBe('    user: a\n    assistant: b\n');
  });

  it('passes eos_token to the template', () => {
    const template = compileChatTemplate('{% for m in messages %}{{ m.content + eos_token }}{% endfor %}', 'f', tokens);
    expect(template.render([{ role: 'user', content: 'x' }], false)).toBe('x</s>');
  });

  it('turns raise_exception into a UserError naming the file', () => {
    const template = compileChatTemplate(
      "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with user') }}{% endif %}ok",
      'model/tokenizer_config.json',
      tokens,
    );
    expect(template.render([{ role: 'user', content: 'x' }], false)).toBe('ok');
    expect(() => template.render([{ role: 'assistant', content: 'x' }], false)).toThrow(/model\/tokenizer_config\.json.*Conversation must start with user/);
  });

  it('rejects a template that does not parse with a UserError naming file and key', () => {
    let caught: unknown;
    try {
      compileChatTemplate('{% if add_generation_prompt %}unclosed', 'model/tokenizer_config.json', tokens);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as UserError).message).toContain('model/tokenizer_config.json');
    expect((caught as UserError).message).toContain('chat_template');
  });
});
