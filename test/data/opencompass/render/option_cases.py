import json
items = [
 {"A": "传输层", "B": "网络层", "C": "应用层", "D": "物理层"},
 {"A": "2", "B": "3", "C": "4", "D": "5"},
 {"A": "Transport", "B": "Network", "C": "Session", "D": "Physical"},
]
replies = ["A", " B\n", "答案是C", "答案：D。", "答案: B", "The answer is (C)", "The correct answer is option D", "Answer: B", "ANSWER: c", "answer: C",
 "我选B", "故选A", "只有选项C是对的", "D是正确的", "选项B正确", "所以答A", "所以 B。", "因此C.", "显然D", "答案是传输层。", "1. A", "B. 网络层", "网络层",
 "应该是传输层吧", "Network", "it is the transport layer", "Physical!", "4", "我觉得是4个", "都不对", "", "E", "The answer is: **B**", "答案选项为 (C)", "\\boxed{D} so the correct answer is \\boxed{D}",
 "Therefore, the correct answer is:\n\nB", "选 C", "A or B", "答案应该是 D"]
cases = [{"reply": r, "item": it} for it in items for r in replies]
json.dump(cases, open('/tmp/ocrender/option_cases.json', 'w', encoding='utf-8'), ensure_ascii=False)
print(len(cases))
