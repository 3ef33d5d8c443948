"""Turns render.py's output into what `harness ceval --show-prompt SUBJECT:ROW --json` must print."""
import json, sys, os
src, dst = sys.argv[1:3]
d = json.load(open(src, encoding='utf-8'))
def common_prefix(strings):
    p = os.path.commonprefix(strings)
    return p
def ppl_entry(per_label, style):
    texts = {l: v[style] for l, v in per_label.items() if style in v}
    if not texts: return None
    prefix = common_prefix(list(texts.values()))
    return {'prompt': prefix, 'scored': {l: t[len(prefix):] for l, t in texts.items()}}
out = {'opencompass': d['opencompass'], 'gen': {}, 'ppl': {}}
for mode in ['gen', 'ppl']:
    for subject, entry in d[mode].items():
        o = {'abbr': entry['abbr'], 'version': entry['version'], 'rows': {}}
        for row, r in entry['rows'].items():
            if mode == 'gen':
                o['rows'][row] = {style: {'prompt': r[style], 'scored': None} for style in ['chat', 'base']}
            else:
                o['rows'][row] = {style: e for style in ['chat', 'base'] if (e := ppl_entry(r, style))}
        if 'fewer_shots' in entry:
            o['fewer_shots'] = {}
            for k, r in entry['fewer_shots'].items():
                if mode == 'gen':
                    o['fewer_shots'][k] = {style: {'prompt': r[style], 'scored': None} for style in ['chat', 'base']}
                else:
                    o['fewer_shots'][k] = {style: e for style in ['chat', 'base'] if (e := ppl_entry(r, style))}
        out[mode][subject] = o
json.dump(out, open(dst, 'w', encoding='utf-8'), ensure_ascii=False, indent=0, sort_keys=False)
