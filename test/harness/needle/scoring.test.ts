import { describe, expect, it } from 'vitest';
import { containsValue, normaliseAnswer, scoreOutput } from '../../../harness/needle/scoring.js';
import { generateTask, type NeedleTask } from '../../../harness/needle/tasks.js';
import { randomSource } from '../../../harness/needle/cell-seed.js';

function task(kind: NeedleTask['kind'], expected: string[], distractorValues: string[] = []): NeedleTask {
  return { kind, language: 'en', facts: [], question: '', expected, distractorValues };
}

describe('needle scoring', () => {
  it('matches values after normalisation, never inside longer numbers', () => {
    expect(normaliseAnswer('  The Code IS ４８２１９３ ')).toBe(' the code is 482193 ');
    expect(containsValue('The code is 482,193.', '482193')).toBe(true);
    expect(containsValue('密码是４８２１９３。', '482193')).toBe(true);
    expect(containsValue('1482193', '482193')).toBe(false);
    expect(containsValue('4821930', '482193')).toBe(false);
    expect(containsValue('no code here', '482193')).toBe(false);
  });

  it('scores recall fractions for multi-retrieval and penalises distractors for multi-key', () => {
    expect(scoreOutput(task('single', ['111111']), 'It is 111111.').score).toBe(1);
    expect(scoreOutput(task('multi-retrieval', ['111111', '222222', '333333', '444444']), '111111, 333333').score).toBe(0.5);
    const multiKey = task('multi-key', ['111111'], ['222222', '333333']);
    expect(scoreOutput(multiKey, 'The code is 111111').score).toBe(1);
    const greedy = scoreOutput(multiKey, '111111 or maybe 222222');
    expect(greedy.score).toBe(0);
    expect(greedy.distractorsMatched).toEqual(['222222']);
  });
});

describe('needle tasks', () => {
  it('generate distinct keys and values, a solvable chain, and distractors in both languages', () => {
    for (const language of ['en', 'zh'] as const) {
      const retrieval = generateTask(randomSource('a'), { kind: 'multi-retrieval', needles: 5, distractors: 0, spacing: 10 }, language, 50);
      expect(new Set(retrieval.facts.map((f) => f.key)).size).toBe(5);
      expect(retrieval.expected).toHaveLength(5);
      expect(retrieval.facts.map((f) => f.depthTarget)).toEqual([50, 60, 70, 80, 90]);
      const chain = generateTask(randomSource('b'), { kind: 'multi-reasoning', needles: 3, distractors: 0, spacing: 20 }, language, 0);
      expect(chain.facts.filter((f) => f.role === 'link')).toHaveLength(2);
      expect(chain.facts.find((f) => f.role === 'answer')?.value).toBe(chain.expected[0]);
      const keyed = generateTask(randomSource('c'), { kind: 'multi-key', needles: 1, distractors: 4, spacing: 10 }, language, 30);
      expect(keyed.distractorValues).toHaveLength(4);
      expect(keyed.facts[0]).toMatchObject({ role: 'answer', depthTarget: 30 });
    }
    const en = generateTask(randomSource('d'), { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, 'en', 10);
    expect(en.facts[0]?.text).toMatch(/^The secret code for the \w+ \w+ is \d{6}\.$/);
    expect(en.question).toMatch(/^What is the secret code for the \w+ \w+\? Answer with the code only\.$/);
    const zh = generateTask(randomSource('d'), { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, 'zh', 10);
    expect(zh.facts[0]?.text).toMatch(/^.+的.+的密码是\d{6}。$/);
  });

  it('avoids values the haystack already contains', () => {
    let rejected = 0;
    const generated = generateTask(randomSource('e'), { kind: 'single', needles: 1, distractors: 0, spacing: 10 }, 'en', 0, (value) => {
      if (rejected < 3) {
        rejected += 1;
        return false;
      }
      return value.length === 6;
    });
    expect(rejected).toBe(3);
    expect(generated.expected[0]).toHaveLength(6);
  });
});
