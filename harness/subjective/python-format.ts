/**
 * Python's `str.format` for the templates the judge sources ship (FastChat's judge_prompts.jsonl,
 * AlignBench's base prompt): `{name}` replaced by a named value, `{{` and `}}` written as single
 * braces. Rendering the way `str.format` does matters because a template with literal braces (the
 * AlignBench rating dict) or a value containing braces (code answers) must come out byte for byte as
 * the source's judge saw it: values are inserted once and never re-scanned.
 */
import { UserError } from '../../engine/language-model.js';

export function formatPythonTemplate(template: string, values: Readonly<Record<string, string>>, where: string): string {
  let out = '';
  let index = 0;
  while (index < template.length) {
    const char = template[index] as string;
    const next = template[index + 1];
    if (char === '{' && next === '{') {
      out += '{';
      index += 2;
    } else if (char === '}' && next === '}') {
      out += '}';
      index += 2;
    } else if (char === '{') {
      const close = template.indexOf('}', index);
      const field = close < 0 ? '' : template.slice(index + 1, close);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
        throw new UserError(`${where}: template field "{${field}" is not a plain {name} field`, 'judge templates use {question}, {answer}, … and {{ }} for literal braces');
      }
      const value = values[field];
      if (value === undefined) {
        throw new UserError(`${where}: template needs {${field}}, which this judgement does not provide`, `use a template written for this mode and turn (fields given: ${Object.keys(values).join(', ')})`);
      }
      out += value;
      index = close + 1;
    } else if (char === '}') {
      throw new UserError(`${where}: single "}" in a template (Python's str.format refuses it)`, 'write a literal brace as }}');
    } else {
      out += char;
      index += 1;
    }
  }
  return out;
}
