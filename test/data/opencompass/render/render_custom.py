"""Renders a custom multiple-choice CSV the way OpenCompass's `--custom-dataset-path` runs it (ppl):
parse_example_dataset, make_mcq_ppl_config, stringfy_types and make_custom_dataset_config are taken
from OpenCompass's datasets/custom.py (executed by name from its source, so its heavy imports are not
needed), then PromptTemplate, ZeroRetriever, the PPLInferencer's generate_label_prompt, the template
parsers and get_prompt_hash as in render.py. usage: render_custom.py OC_ROOT VERSION CSV OUT.json [ppl|gen]"""
import sys, ast, json, types, runpy, importlib
oc_root, version, csv_path, out_path = sys.argv[1:5]
mode = sys.argv[5] if len(sys.argv) > 5 else 'ppl'
# Reuse render.py's module loading (stubs + OpenCompass classes) without running its main part.
sys.argv = ['render.py', oc_root, version, '/nonexistent', '/dev/null', 'none']
src_render = open(__file__.replace('render_custom.py', 'render.py'), encoding='utf-8').read()
main_at = src_render.index('cmmlu_dir = ')
g = {'__name__': 'render_lib', '__file__': 'render.py'}
exec(compile(src_render[:main_at], 'render.py', 'exec'), g)
g['stub']('opencompass.utils.logging', get_logger=__import__('logging').getLogger)
zr = importlib.import_module('opencompass.openicl.icl_retriever.icl_zero_retriever')

def cls(module, name):
    return type(name, (), {'__module__': module})
custom_src = open(f'{oc_root}/opencompass/datasets/custom.py', encoding='utf-8').read()
tree = ast.parse(custom_src)
wanted = {'parse_example_dataset', 'make_mcq_ppl_config', 'make_mcq_gen_config', 'stringfy_types', 'make_custom_dataset_config'}
funcs = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in wanted]
import copy, os, csv as csvmod
env = {'copy': copy, 'os': os, 'csv': csvmod, 'json': json,
       'PromptTemplate': g['PromptTemplate'],
       'ZeroRetriever': zr.ZeroRetriever,
       'GenInferencer': cls('opencompass.openicl.icl_inferencer.icl_gen_inferencer', 'GenInferencer'),
       'PPLInferencer': cls('opencompass.openicl.icl_inferencer.icl_ppl_inferencer', 'PPLInferencer'),
       'AccEvaluator': cls('opencompass.openicl.icl_evaluator.icl_hf_evaluator', 'AccEvaluator'),
       'OptionSimAccEvaluator': cls('opencompass.datasets.custom', 'OptionSimAccEvaluator'),
       'CustomDataset': cls('opencompass.datasets.custom', 'CustomDataset'),
       'CircularCustomDataset': cls('opencompass.datasets.custom', 'CircularCustomDataset'),
       'CircularEvaluator': cls('opencompass.datasets.circular', 'CircularEvaluator'),
       'CircularOptionSimAccEvaluator': cls('opencompass.datasets.custom', 'CircularOptionSimAccEvaluator'),
       'make_qa_gen_config': None, 'make_circular_mcq_gen_config': None, 'make_circular_mcq_ppl_config': None}
exec(compile(ast.Module(body=funcs, type_ignores=[]), 'custom.py', 'exec'), env)

cfg = env['make_custom_dataset_config'](dict(path=csv_path, infer_method=mode))
version_hash = g['prompt_mod'].get_prompt_hash(g['to_cfgdict'](copy.deepcopy(cfg)))[:6]
with open(csv_path, encoding='utf-8-sig') as f:   # CustomDataset.load
    reader = csvmod.reader(f); header = next(reader); rows = [dict(zip(header, r)) for r in reader]
pt_cfg = dict(cfg['infer_cfg']['prompt_template']); pt_cfg.pop('type')
pt = g['PromptTemplate'](**pt_cfg)
retriever = zr.ZeroRetriever(g['FakeDataset'](rows, rows, cfg['reader_cfg']['output_column']))
out = {'opencompass': version, 'abbr': cfg['abbr'], 'version': version_hash, 'rows': {}}
for idx in range(len(rows)):
    ice = retriever.generate_ice([], ice_template=None)
    if mode == 'gen':
        out['rows'][str(idx)] = g['render_gen'](retriever.generate_prompt_for_generate_task(idx, ice, gen_field_replace_token='', ice_template=None, prompt_template=pt))
        out['rows'][str(idx)].pop('chat_messages', None)
        continue
    labels = retriever.get_labels(ice_template=None, prompt_template=pt)
    out['rows'][str(idx)] = {label: g['render_ppl'](retriever.generate_label_prompt(idx, ice, label, ice_template=None, prompt_template=pt)) for label in labels}
json.dump(out, open(out_path, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
print(cfg['abbr'], mode, version_hash, json.dumps(out['rows']['1'], ensure_ascii=False)[:300])
