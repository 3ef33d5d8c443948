"""Runs OpenCompass's own OptionSimAccEvaluator.match_any_label (datasets/custom.py, executed by name
from its source) with its own first_option_postprocess (utils/text_postprocessors.py) over replies.
rapidfuzz is not installable here: its Levenshtein.distance (unit-cost edit distance over code
points) is written out below. usage: option_sim.py OC_ROOT CASES.json OUT.json"""
import sys, ast, json, types, importlib.util
oc_root, src, dst = sys.argv[1:4]
class _Reg:
    def register_module(self, *a, **k):
        return lambda f: f
pkg = types.ModuleType('opencompass'); pkg.__path__ = []
sys.modules['opencompass'] = pkg
reg = types.ModuleType('opencompass.registry'); reg.TEXT_POSTPROCESSORS = _Reg(); sys.modules['opencompass.registry'] = reg
utils = types.ModuleType('opencompass.utils'); utils.__path__ = []; sys.modules['opencompass.utils'] = utils
spec = importlib.util.spec_from_file_location('opencompass.utils.text_postprocessors', f'{oc_root}/opencompass/utils/text_postprocessors.py')
tp = importlib.util.module_from_spec(spec); sys.modules['opencompass.utils.text_postprocessors'] = tp; spec.loader.exec_module(tp)
def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]
lev = types.ModuleType('rapidfuzz.distance.Levenshtein'); lev.distance = distance
rd = types.ModuleType('rapidfuzz.distance'); rd.Levenshtein = lev
rf = types.ModuleType('rapidfuzz'); rf.distance = rd
sys.modules.update({'rapidfuzz': rf, 'rapidfuzz.distance': rd, 'rapidfuzz.distance.Levenshtein': lev})
tree = ast.parse(open(f'{oc_root}/opencompass/datasets/custom.py', encoding='utf-8').read())
node = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == 'OptionSimAccEvaluator')
env = {'BaseEvaluator': type('BaseEvaluator', (), {'__init__': lambda self: None}), 'List': list}
exec(compile(ast.Module(body=[node], type_ignores=[]), 'custom.py', 'exec'), env)
evaluator = env['OptionSimAccEvaluator'](['A', 'B', 'C', 'D'])
cases = json.load(open(src, encoding='utf-8'))
json.dump([dict(c, parsed=evaluator.match_any_label(c['reply'], c['item'])) for c in cases], open(dst, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
print(len(cases))
