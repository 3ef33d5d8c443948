/**
 * The project's own haystack text: a seeded generator of essay-like sentences in English and Chinese,
 * built from hand-written vocabulary and sentence templates. corpora/en.txt and corpora/zh.txt are its
 * output (see corpora/README.md); because the text is generated here, it carries the project's license
 * and no third-party rights.
 *
 * The text never contains digits, so a numeric needle value can only appear where it was placed.
 */
import seedrandom from 'seedrandom';

export type FillerLanguage = 'en' | 'zh';

type Pick = <T>(items: readonly T[]) => T;

const EN_PLACES = ['the old harbour', 'the river valley', 'a mountain village', 'the city library', 'the morning market', 'the walled garden', 'a quiet monastery', 'the northern coast', 'the railway station', 'a small workshop', 'the university courtyard', 'the pine forest', 'the salt marshes', 'a crowded tea house', 'the abandoned mill'] as const;
const EN_PEOPLE = ['the carpenter', 'an elderly teacher', 'the ferryman', 'a travelling painter', 'the village baker', 'a young engineer', 'the librarian', 'an apprentice weaver', 'the gardener', 'a retired sailor', 'the mapmaker', 'a curious student', 'the potter', 'the night watchman'] as const;
const EN_THINGS = ['a worn leather notebook', 'the copper kettle', 'a basket of pears', 'the wooden bridge', 'an unfinished letter', 'the lantern by the door', 'a bundle of dried herbs', 'the clock tower', 'a map of forgotten roads', 'the stone well', 'a jar of honey', 'the weathered fence', 'an old wool coat', 'the iron gate'] as const;
const EN_ABSTRACTS = ['patience', 'memory', 'craftsmanship', 'curiosity', 'habit', 'silence', 'friendship', 'attention', 'change', 'tradition', 'distance', 'work', 'kindness', 'doubt', 'the passing of seasons'] as const;
const EN_ADJECTIVES = ['quiet', 'careful', 'unhurried', 'surprising', 'ordinary', 'generous', 'stubborn', 'gentle', 'uncertain', 'remarkable', 'modest', 'lasting'] as const;
const EN_VERBS_PAST = ['noticed', 'remembered', 'repaired', 'described', 'carried', 'studied', 'admired', 'questioned', 'sketched', 'measured', 'protected', 'forgot'] as const;
const EN_TIMES = ['early in the morning', 'late in the autumn', 'after the long rains', 'on a windy afternoon', 'during the first frost', 'at the end of summer', 'before the market opened', 'when the lamps were lit', 'in the weeks before the festival', 'on the coldest night of the year'] as const;
const EN_CONNECTIVES = ['Even so', 'For a long time', 'In the end', 'Looking back', 'At first', 'Over the years', 'Perhaps', 'Sometimes', 'More than once', 'Slowly'] as const;

const enTemplates: readonly ((pick: Pick) => string)[] = [
  (p) => `${cap(p(EN_PEOPLE))} ${p(EN_VERBS_PAST)} ${p(EN_THINGS)} near ${p(EN_PLACES)} ${p(EN_TIMES)}.`,
  (p) => `${p(EN_CONNECTIVES)}, ${p(EN_ABSTRACTS)} seemed less like a rule and more like ${article(p(EN_ADJECTIVES))} habit of the heart.`,
  (p) => `Nobody in ${p(EN_PLACES)} could explain why ${p(EN_PEOPLE)} kept ${p(EN_THINGS)} for so many years.`,
  (p) => `It is easy to overlook ${p(EN_ABSTRACTS)}, yet every ${p(EN_ADJECTIVES)} piece of work depends on it.`,
  (p) => `${cap(p(EN_TIMES))}, ${p(EN_PEOPLE)} walked to ${p(EN_PLACES)} and said very little.`,
  (p) => `What ${p(EN_PEOPLE)} understood about ${p(EN_ABSTRACTS)} was learned slowly, one ${p(EN_ADJECTIVES)} mistake at a time.`,
  (p) => `Is there anything more ${p(EN_ADJECTIVES)} than ${p(EN_THINGS)} left exactly where it was found?`,
  (p) => `The story of ${p(EN_PLACES)} is really a story about ${p(EN_ABSTRACTS)} and ${p(EN_ABSTRACTS)}.`,
  (p) => `${cap(p(EN_PEOPLE))} once argued that ${p(EN_ABSTRACTS)} matters more than talent, and few people disagreed.`,
  (p) => `${p(EN_CONNECTIVES)}, the path from ${p(EN_PLACES)} to ${p(EN_PLACES)} felt shorter than anyone expected.`,
  (p) => `How strange it was that ${p(EN_THINGS)} should outlast the house that held it!`,
  (p) => `${cap(article(p(EN_ADJECTIVES)))} conversation with ${p(EN_PEOPLE)} can change the way one thinks about ${p(EN_ABSTRACTS)}.`,
  (p) => `${cap(p(EN_THINGS))} stood in the corner, ${p(EN_ADJECTIVES)} and half forgotten, while the rain kept falling.`,
  (p) => `Every visitor to ${p(EN_PLACES)} leaves with a different idea of what ${p(EN_ABSTRACTS)} means.`,
  (p) => `${p(EN_CONNECTIVES)}, ${p(EN_PEOPLE)} ${p(EN_VERBS_PAST)} the small details that others walked past.`,
];

const ZH_PLACES = ['老码头', '河谷', '山村', '城里的图书馆', '早市', '围墙里的花园', '安静的寺院', '北方的海岸', '火车站', '小作坊', '大学的院子', '松树林', '盐沼', '热闹的茶馆', '废弃的磨坊'] as const;
const ZH_PEOPLE = ['木匠', '年迈的老师', '摆渡人', '四处游历的画家', '村里的面包师', '年轻的工程师', '图书管理员', '学徒织工', '园丁', '退休的水手', '绘制地图的人', '好奇的学生', '陶匠', '守夜人'] as const;
const ZH_THINGS = ['一本旧皮面笔记本', '铜水壶', '一篮梨', '木桥', '一封没写完的信', '门边的灯笼', '一捆晒干的草药', '钟楼', '一张旧路的地图', '石井', '一罐蜂蜜', '被风吹旧的篱笆', '一件旧羊毛外套', '铁门'] as const;
const ZH_ABSTRACTS = ['耐心', '记忆', '手艺', '好奇心', '习惯', '沉默', '友谊', '专注', '变化', '传统', '距离', '劳作', '善意', '怀疑', '季节的更替'] as const;
const ZH_ADJECTIVES = ['安静的', '细心的', '从容的', '出人意料的', '平凡的', '慷慨的', '固执的', '温和的', '不确定的', '了不起的', '朴素的', '长久的'] as const;
const ZH_VERBS = ['注意到了', '想起了', '修好了', '描述过', '带走了', '研究过', '欣赏过', '怀疑过', '画下了', '量过', '守护着', '忘记了'] as const;
const ZH_TIMES = ['清晨', '深秋', '连绵的雨季过后', '一个有风的下午', '初霜的时候', '夏天快结束时', '集市开张之前', '点灯的时候', '节日前的几个星期', '一年中最冷的夜里'] as const;
const ZH_CONNECTIVES = ['即便如此', '很长一段时间里', '到了最后', '回头看', '起初', '这些年来', '也许', '有时候', '不止一次', '慢慢地'] as const;

const zhTemplates: readonly ((pick: Pick) => string)[] = [
  (p) => `${p(ZH_TIMES)}，${p(ZH_PEOPLE)}在${p(ZH_PLACES)}附近${p(ZH_VERBS)}${p(ZH_THINGS)}。`,
  (p) => `${p(ZH_CONNECTIVES)}，${p(ZH_ABSTRACTS)}不像是一条规矩，更像是心里一种${p(ZH_ADJECTIVES)}习惯。`,
  (p) => `${p(ZH_PLACES)}里没有人说得清，${p(ZH_PEOPLE)}为什么把${p(ZH_THINGS)}留了那么多年。`,
  (p) => `${p(ZH_ABSTRACTS)}很容易被忽略，可是每一件${p(ZH_ADJECTIVES)}作品都离不开它。`,
  (p) => `${p(ZH_TIMES)}，${p(ZH_PEOPLE)}走到${p(ZH_PLACES)}，几乎一句话也没有说。`,
  (p) => `${p(ZH_PEOPLE)}对${p(ZH_ABSTRACTS)}的理解是慢慢学来的，每一次${p(ZH_ADJECTIVES)}失误都教会了一点东西。`,
  (p) => `还有什么比原封不动地放在那里的${p(ZH_THINGS)}更${p(ZH_ADJECTIVES).replace(/的$/, '')}呢？`,
  (p) => `${p(ZH_PLACES)}的故事，说到底是关于${p(ZH_ABSTRACTS)}和${p(ZH_ABSTRACTS)}的故事。`,
  (p) => `${p(ZH_PEOPLE)}曾经说，${p(ZH_ABSTRACTS)}比天赋更重要，很少有人反对。`,
  (p) => `${p(ZH_CONNECTIVES)}，从${p(ZH_PLACES)}到${p(ZH_PLACES)}的路比大家想象的要短。`,
  (p) => `多么奇怪啊，${p(ZH_THINGS)}竟然比装着它的房子留存得更久！`,
  (p) => `和${p(ZH_PEOPLE)}的一次${p(ZH_ADJECTIVES)}谈话，可能会改变一个人对${p(ZH_ABSTRACTS)}的看法。`,
  (p) => `${p(ZH_THINGS)}立在角落里，${p(ZH_ADJECTIVES)}，几乎被人遗忘，雨一直下着。`,
  (p) => `每个来到${p(ZH_PLACES)}的人，离开时对${p(ZH_ABSTRACTS)}都有不同的理解。`,
  (p) => `${p(ZH_CONNECTIVES)}，${p(ZH_PEOPLE)}${p(ZH_VERBS)}别人匆匆走过的细节。`,
];

function article(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Generates `paragraphs` paragraphs of filler text. English sentences are joined by spaces and
 * paragraphs by blank lines; Chinese sentences are joined directly, as Chinese prose is written.
 */
export function generateFillerText(language: FillerLanguage, seed: string, paragraphs: number): string {
  const random = seedrandom(`${language}:${seed}`);
  const pick: Pick = (items) => items[Math.floor(random() * items.length)] as (typeof items)[number];
  const templates = language === 'en' ? enTemplates : zhTemplates;
  const out: string[] = [];
  for (let paragraph = 0; paragraph < paragraphs; paragraph += 1) {
    const count = 4 + Math.floor(random() * 5);
    const sentences: string[] = [];
    for (let index = 0; index < count; index += 1) sentences.push(pick(templates)(pick));
    out.push(sentences.join(language === 'en' ? ' ' : ''));
  }
  return `${out.join('\n\n')}\n`;
}

/** Paragraph counts and seed of the committed corpora (corpora/README.md). */
export const CORPUS_RECIPES: Readonly<Record<FillerLanguage, { readonly seed: string; readonly paragraphs: number }>> = {
  en: { seed: 'gnomon-haystack-v1', paragraphs: 800 },
  zh: { seed: 'gnomon-haystack-v1', paragraphs: 1000 },
};
