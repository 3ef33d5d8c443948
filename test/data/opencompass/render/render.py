"""Renders C-Eval prompts with OpenCompass's OWN classes (PromptTemplate, FixKRetriever/BaseRetriever,
LMTemplateParser, APITemplateParser, _convert_chat_messages, get_prompt_hash), loaded from an
OpenCompass source tree (a git archive of a tag), with its heavy imports (torch, mmengine, datasets)
replaced by stubs that these code paths never call. Stdlib only.
usage: render.py OC_ROOT VERSION DATA_DIR OUT.json"""
import sys, types, json, csv, os, importlib, copy, hashlib, importlib.util

oc_root, version, data_dir, out_path = sys.argv[1:5]

def stub(name, **attrs):
    m = types.ModuleType(name); m.__dict__.update(attrs); sys.modules[name] = m; return m

class _Reg:
    def register_module(self, *a, **k):
        return (lambda cls: cls) if not (a and callable(a[0])) else a[0]
reg = _Reg()
stub('torch', Tensor=object, no_grad=lambda: None); stub('torch.nn'); stub('numpy')
stub('tqdm', trange=lambda *a, **k: range(*a), tqdm=lambda x, **k: x)
stub('mmengine'); stub('mmengine.dist', is_main_process=lambda: True, get_rank=lambda: 0)
sys.modules['mmengine'].dist = sys.modules['mmengine.dist']
class ConfigDict(dict): pass
stub('mmengine.config', ConfigDict=ConfigDict, Config=dict)
stub('datasets', Dataset=list, DatasetDict=dict)
import logging
def pkg(name, path):
    m = types.ModuleType(name); m.__path__ = [path]; sys.modules[name] = m; return m
pkg('opencompass', f'{oc_root}/opencompass')
stub('opencompass.registry', **{n: reg for n in ['ICL_PROMPT_TEMPLATES', 'ICL_RETRIEVERS', 'ICL_INFERENCERS', 'TASKS', 'MODELS', 'LOAD_DATASET', 'TEXT_POSTPROCESSORS', 'ICL_EVALUATORS', 'DICT_POSTPROCESSORS']})
pkg('opencompass.utils', f'{oc_root}/opencompass/utils').get_logger = logging.getLogger
pkg('opencompass.openicl', f'{oc_root}/opencompass/openicl')
pkg('opencompass.openicl.utils', f'{oc_root}/opencompass/openicl/utils')
stub('opencompass.openicl.utils.logging', get_logger=logging.getLogger)
sys.modules['opencompass.openicl.utils'].get_logger = logging.getLogger
pkg('opencompass.models', f'{oc_root}/opencompass/models')
pkg('opencompass.openicl.icl_retriever', f'{oc_root}/opencompass/openicl/icl_retriever')

prompt_mod = importlib.import_module('opencompass.utils.prompt')
PromptTemplate = importlib.import_module('opencompass.openicl.icl_prompt_template').PromptTemplate
base_retr = importlib.import_module('opencompass.openicl.icl_retriever.icl_base_retriever')
sys.modules['opencompass.openicl.icl_retriever'].BaseRetriever = base_retr.BaseRetriever
FixKRetriever = importlib.import_module('opencompass.openicl.icl_retriever.icl_fix_k_retriever').FixKRetriever
LMTemplateParser = importlib.import_module('opencompass.models.base').LMTemplateParser
text_pp = None
if version == 'current':
    APITemplateParser = importlib.import_module('opencompass.models.base_api').APITemplateParser
    # huggingface_above_v4_33.py imports torch/transformers at module level only inside functions; load its helpers
    src = open(f'{oc_root}/opencompass/models/huggingface_above_v4_33.py', encoding='utf-8').read()
    hf = types.ModuleType('hf_above'); hf.__dict__['__name__'] = 'hf_above'
    stub('transformers'); stub('mmengine.device', is_npu_available=lambda: False); stub('opencompass.utils.logging', get_logger=logging.getLogger)
    sys.modules['opencompass.models.base'].BaseModel = object
    sys.modules['opencompass.models.base_api'].APITemplateParser = APITemplateParser
    exec(compile(src, 'huggingface_above_v4_33.py', 'exec'), hf.__dict__)

# The model configs: hf_internlm2_chat_1_8b.py's meta template (0.2.4); current main's chat class
# builds its parser with _get_meta_template(None).
INTERNLM2_CHAT_META = dict(round=[
    dict(role='HUMAN', begin='<|im_start|>user\n', end='<|im_end|>\n'),
    dict(role='BOT', begin='<|im_start|>assistant\n', end='<|im_end|>\n', generate=True)], eos_token_id=92542)

def internlm2_chat_template(messages, add_generation_prompt):
    # tokenizer_config.json chat_template of internlm2-chat-1_8b (jinja), written out:
    # {{ bos_token }}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
    s = '<s>'
    for m in messages: s += '<|im_start|>' + m['role'] + '\n' + m['content'] + '<|im_end|>' + '\n'
    if add_generation_prompt: s += '<|im_start|>assistant\n'
    return s

def load_config(path):
    """Executes the dataset config file with its imports bound to marker strings that are the
    `module.Name` of each import line (what mmengine's config dumps and the summarizer hashes)."""
    src = open(path, encoding='utf-8').read()
    import ast
    tree = ast.parse(src)
    g = {}
    for node in list(tree.body):
        if isinstance(node, ast.ImportFrom):
            for a in node.names:
                g[a.asname or a.name] = f'{node.module}.{a.name}'
    body = [n for n in tree.body if not isinstance(n, (ast.ImportFrom, ast.Import))]
    exec(compile(ast.Module(body=body, type_ignores=[]), path, 'exec'), g)
    return g

class Reader:
    def __init__(self, output_column): self.output_column = output_column
class FakeDataset:
    def __init__(self, train, test, output_column):
        self.reader = Reader(output_column); self.train = train; self.test = test

def read_csv(path):
    with open(path, encoding='utf-8') as f:
        r = csv.reader(f); header = next(r); rows = []
        for row in r:
            item = dict(zip(header, row)); item.setdefault('explanation', ''); item.setdefault('answer', ''); rows.append(item)
        return rows

def build(cls_path_or_obj, cfg):
    cfg = dict(cfg); cfg.pop('type'); return cfg

def read_cmmlu(path):
    # CMMLUDataset.load (0.2.4): skip the header, row[1..6] -> question, A, B, C, D, answer
    with open(path, encoding='utf-8') as f:
        r = csv.reader(f); next(r)
        return [{'question': row[1], 'A': row[2], 'B': row[3], 'C': row[4], 'D': row[5], 'answer': row[6]} for row in r]

def run_ceval(config_file, mode, rows=(0, 3), fewer_shots=('computer_network', 'logic'), variable='ceval_datasets'):
    g = load_config(config_file)
    out = {}
    for ds in g[variable]:
        name = ds['name']
        hash6 = prompt_mod.get_prompt_hash(to_cfgdict(copy.deepcopy(ds)))[:6]
        if variable == 'cmmlu_datasets':
            train = read_cmmlu(f'{cmmlu_dir}/dev/{name}.csv')
            test = read_cmmlu(f'{cmmlu_dir}/test/{name}.csv')
        else:
            train = read_csv(f'{data_dir}/dev/{name}_dev.csv')
            test = read_csv(f'{data_dir}/val/{name}_val.csv')
        ice_cfg = dict(ds['infer_cfg']['ice_template']); ice_cfg.pop('type')
        ice_template = PromptTemplate(**ice_cfg)
        retr_cfg = dict(ds['infer_cfg']['retriever']); retr_cfg.pop('type')
        retriever = FixKRetriever(FakeDataset(train, test, ds['reader_cfg']['output_column']), **retr_cfg)
        ice_idx = retriever.fix_id_list
        entry = {'abbr': ds['abbr'], 'version': hash6, 'rows': {}}
        for row in rows:
            ice = retriever.generate_ice(ice_idx, ice_template=ice_template)
            rendered = {}
            if mode == 'gen':
                prompt = retriever.generate_prompt_for_generate_task(row, ice, gen_field_replace_token='', ice_template=ice_template)
                rendered = render_gen(prompt)
            else:
                labels = retriever.get_labels(ice_template=ice_template)
                per_label = {}
                for label in labels:
                    prompt = retriever.generate_label_prompt(row, ice, label, ice_template=ice_template)
                    per_label[label] = render_ppl(prompt)
                rendered = {k: v for k, v in per_label.items() if v is not None}
            entry['rows'][str(row)] = rendered
        if name in fewer_shots:
            # The prompts the inferencers build after dropping shots from the end (max_seq_len).
            entry['fewer_shots'] = {}
            for k in range(len(ice_idx)):
                ice = retriever.generate_ice(ice_idx[:k], ice_template=ice_template)
                if mode == 'gen':
                    entry['fewer_shots'][str(k)] = render_gen(retriever.generate_prompt_for_generate_task(0, ice, gen_field_replace_token='', ice_template=ice_template))
                else:
                    entry['fewer_shots'][str(k)] = {label: render_ppl(retriever.generate_label_prompt(0, ice, label, ice_template=ice_template)) for label in retriever.get_labels(ice_template=ice_template)}
        out[name] = entry
    return out

def to_cfgdict(d):
    if isinstance(d, dict):
        c = CfgDict({k: to_cfgdict(v) for k, v in d.items()}); return c
    if isinstance(d, list): return [to_cfgdict(v) for v in d]
    return d
class CfgDict(dict):
    """mmengine ConfigDict's attribute access and to_dict, enough for get_prompt_hash."""
    def __getattr__(self, k):
        try: return self[k]
        except KeyError: raise AttributeError(k)
    def __setattr__(self, k, v): self[k] = v
    def to_dict(self):
        return {k: (v.to_dict() if isinstance(v, CfgDict) else [x.to_dict() if isinstance(x, CfgDict) else x for x in v] if isinstance(v, list) else v) for k, v in self.items()}

def render_gen(prompt):
    res = {}
    if version == '0.2.4':
        res['chat'] = '<s>' + LMTemplateParser(INTERNLM2_CHAT_META).parse_template(prompt, mode='gen')
        res['base'] = '<s>' + LMTemplateParser(None).parse_template(prompt, mode='gen')
    else:
        parser = hf._get_meta_template(None)
        messages = hf._convert_chat_messages([parser.parse_template(prompt, mode='gen')])[0]
        res['chat'] = internlm2_chat_template(messages, add_generation_prompt=True)
        res['chat_messages'] = messages
        base = hf._convert_base_messages([LMTemplateParser().parse_template(prompt, mode='gen')])[0]
        res['base'] = '<s>' + base
    return res

def render_ppl(prompt):
    res = {}
    if version == '0.2.4':
        res['chat'] = '<s>' + LMTemplateParser(INTERNLM2_CHAT_META).parse_template(prompt, mode='ppl')
    # current main: HuggingFacewithChatTemplate has no get_ppl; HuggingFaceBaseModel (LMTemplateParser()) does
    res['base'] = '<s>' + LMTemplateParser(None).parse_template(prompt, mode='ppl') if version == '0.2.4' else '<s>' + hf._convert_base_messages([LMTemplateParser().parse_template(prompt, mode='ppl')])[0]
    return res

cmmlu_dir = os.path.join(os.path.dirname(os.path.dirname(data_dir.rstrip('/'))), 'cmmlu')
if len(sys.argv) > 5 and sys.argv[5] == 'cmmlu':
    cfg_dir = f'{oc_root}/configs/datasets/cmmlu' if os.path.isdir(f'{oc_root}/configs/datasets/cmmlu') else f'{oc_root}/opencompass/configs/datasets/cmmlu'
    result = {'opencompass': version, 'ppl': run_ceval(f'{cfg_dir}/cmmlu_ppl_8b9c76.py', 'ppl', rows=(0,), fewer_shots=(), variable='cmmlu_datasets')}
    if version == '0.2.4':
        result['gen'] = run_ceval(f'{cfg_dir}/cmmlu_gen_c13365.py', 'gen', rows=(0,), fewer_shots=(), variable='cmmlu_datasets')
    else:
        result['gen'] = {}
    json.dump(result, open(out_path, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
    print('cmmlu subjects', len(result['ppl']))
    sys.exit(0)
cfg_dir = f'{oc_root}/configs/datasets/ceval' if os.path.isdir(f'{oc_root}/configs/datasets/ceval') else f'{oc_root}/opencompass/configs/datasets/ceval'
result = {'opencompass': version, 'gen': run_ceval(f'{cfg_dir}/ceval_gen_5f30c7.py', 'gen'), 'ppl': run_ceval(f'{cfg_dir}/ceval_ppl_578f8d.py', 'ppl')}
json.dump(result, open(out_path, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
print('subjects', len(result['gen']), 'versions', result['gen']['computer_network']['version'], result['gen']['operating_system']['version'], result['ppl']['computer_network']['version'])
