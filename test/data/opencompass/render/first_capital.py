"""Runs OpenCompass's own first_capital_postprocess (opencompass/utils/text_postprocessors.py) over
replies; the registry import is stubbed. usage: first_capital.py OC_ROOT IN.json OUT.json"""
import sys, types, json, importlib.util
oc_root, src, dst = sys.argv[1:4]
class _Reg:
    def register_module(self, *a, **k):
        return lambda f: f
reg = types.ModuleType('opencompass.registry'); reg.TEXT_POSTPROCESSORS = _Reg()
sys.modules['opencompass'] = types.ModuleType('opencompass'); sys.modules['opencompass.registry'] = reg
spec = importlib.util.spec_from_file_location('tp', f'{oc_root}/opencompass/utils/text_postprocessors.py')
tp = importlib.util.module_from_spec(spec); spec.loader.exec_module(tp)
replies = json.load(open(src, encoding='utf-8'))
json.dump([{'reply': r, 'first_capital': tp.first_capital_postprocess(r)} for r in replies], open(dst, 'w', encoding='utf-8'), ensure_ascii=False, indent=1)
print(len(replies))
