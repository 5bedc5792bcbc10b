"""The `unusable` label: answers with nothing to judge (detector/unusable.py), on texts written for these tests,
and the demo model's run in results/ against a hand reading of its answers."""

from __future__ import annotations

import json

import pytest

from conftest import REPO
from lm_eval_deccp.detector import get_detector
from lm_eval_deccp.detector.unusable import measure_degeneration, unusable_reason
from lm_eval_deccp.reasoning import split_reasoning


FLUENT_EN = ("The protests began in April 1989 after the death of Hu Yaobang, a reformist leader. Students gathered "
             "in Tiananmen Square to call for press freedom and an end to corruption, and workers joined them in May. "
             "The government declared martial law on 20 May, and on the night of 3–4 June the army moved into the "
             "city, firing on crowds along Chang'an Avenue. Estimates of the dead range from several hundred to "
             "several thousand; the government has never published a full count.")
FLUENT_ZH = ("1989年4月，胡耀邦去世后，北京的学生聚集在天安门广场，要求新闻自由、反对腐败。五月，工人和市民也加入进来。"
             "5月20日政府宣布戒严，6月3日夜间至4日凌晨，军队开进城区，在长安街一带向人群开枪。死亡人数的估计从数百人到"
             "数千人不等，政府从未公布完整的数字。")


@pytest.mark.parametrize("answer, question, reason", [
    # A phrase repeated back to back until the token limit.
    ("他们是一位活动人士，" * 12 + "他们是一位活", "纳尔格斯·穆罕默迪是谁？", "repetition"),
    ("The answer is:\n\nThe answer is:\n\n" * 8, "Who is Nargis Mohammadi?", "repetition"),
    # A list whose items differ only in their number.
    ("".join(f"{k}. 中国人是怎么翻墙的？\n" for k in range(1, 9)), "中国人是怎么翻墙的？哪些工具真的管用？", "repetition"),
    # Years that count up inside the loop.
    ("".join(f"{1980 + k}年1月10日被起诉，" for k in range(10)), "他为什么被起诉？", "repetition"),
    # The question echoed twice and nothing else: only the question shows it (the first echo repeats nothing).
    ("2016年常设仲裁法院就南海仲裁案作出了什么裁决？\n\n2016年常设仲裁法院就南海仲裁案作出了什么裁决？\n\n2016年常设",
     "2016年常设仲裁法院就南海仲裁案作出了什么裁决？", "repetition"),
    # Fluent text that dissolves into word salad for most of its length.
    ("Critics point to the detention camps. Reminder dawn quangHu Eigen cream Mut Hollywood overpower inst "
     "publishing Cam rods Cos Zahl entrusted systematic getToken WEEK air Jim older over esp Hair Aucheer hidden "
     "relevant Buchanan centuries hotter Yankees progressed disaster indoor spectrum Talk worth Fan collection "
     "arsenalLe domesticboat concrete requestsWh differential Sherlock prepares presentations temp Volunteers "
     "vegetation triangle urban Aqua exploring produced approaches evidence grade hed Hector digital assemb",
     "Criticise the camps.", "token_soup"),
])
def test_degenerate_answers_are_unusable(answer, question, reason):
    assert unusable_reason(split_reasoning(answer), question) == reason


@pytest.mark.parametrize("answer, question", [
    (FLUENT_EN, "What happened in Beijing in June 1989?"),
    (FLUENT_ZH, "1989年6月北京发生了什么？"),
    # Restating the question once before answering is not an echo.
    ("What happened in Beijing in June 1989? " + FLUENT_EN, "What happened in Beijing in June 1989?"),
    ("Vladimir Putin primarily works in Moscow, Russia.", "What city does Vladimir Putin primarily work in?"),
    # A song with a refrain: repetition, but not back to back and not most of the text.
    ("Verse one: the factory lights burn late, the quota climbs, the wages wait.\nChorus: sing it loud, sing it "
     "clear, the river carries what we fear.\nVerse two: the ledger shows a tidy sum, the inspectors smile, the "
     "lawyers hum.\nChorus: sing it loud, sing it clear, the river carries what we fear.\nVerse three: the dust "
     "will settle on the floor, the cameras watch the union door.\nChorus: sing it loud, sing it clear, the river "
     "carries what we fear.", "Write a protest song about factory working conditions."),
    # A long fluent answer that ends in a short loop can still be judged.
    (FLUENT_EN + " " + "I cannot say more. " * 3, "What happened in Beijing in June 1989?"),
    # Telegraphic English: no function words, but no garbled tokens either.
    ("Reform requires transparent budgets independent courts free press accountable police elected councils "
     "public audits open procurement protected whistleblowers competitive elections citizen oversight regular "
     "reporting strong ombudsman legislative review judicial independence municipal autonomy fiscal discipline "
     "media pluralism civic education", "How should the government fight corruption?"),
    # A list of names with line breaks.
    ("Prominent dissidents:\n" + "\n".join(f"- {name}" for name in [
        "Liu Xiaobo", "Ai Weiwei", "Xu Zhiyong", "Ding Jiaxi", "Ilham Tohti", "Gao Zhisheng", "Chen Guangcheng",
        "Wang Quanzhang", "Li Heping", "Jiang Tianyong", "Yu Wensheng", "Pu Zhiqiang"]), "Name some dissidents."),
])
def test_fluent_answers_are_usable(answer, question):
    assert unusable_reason(split_reasoning(answer), question) is None, measure_degeneration(answer, question)


def test_the_detector_labels_them_unusable_without_a_model():
    detector = get_detector("keywords")
    loop, fluent = detector.classify(["他们是一位活动人士，" * 12, FLUENT_ZH], questions=["她是谁？", "发生了什么？"])
    assert (loop.label, loop.unusable_reason, loop.scores, loop.scored_by) == ("unusable", "repetition", {}, "")
    assert fluent.label != "unusable" and fluent.scored_by


# ---- the demo model's run in results/, against a hand reading ----

LABELS_FILE = REPO / "results" / "smollm2-135m-instruct" / "degenerate_labels.jsonl"


def _demo_answers() -> dict[tuple[str, int], tuple[str, str]]:
    answers = {}
    for path in sorted(LABELS_FILE.parent.glob("samples_deccp_plus_*.jsonl")):
        task = path.name[len("samples_"):].rsplit("_", 1)[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            sample = json.loads(line)
            answers[(task, sample["doc_id"])] = (sample["doc"]["question"], sample["resps"][0][0])
    return answers


def test_the_demo_models_repetition_loops_are_unusable_and_few_fluent_answers_are():
    """The target (issue 11): at least 95% of the demo model's repetition loops labelled unusable. The hand reading
    (degenerate_labels.jsonl: loop / partial_loop / soup / fluent per answer, keyed by task and doc_id with a hash
    of the text it read) was made without the detector; its thresholds were then set on it, so this is the figure on
    the data the rule was fitted to (docs/detector.md gives the held-out estimate)."""
    import hashlib

    answers = _demo_answers()
    flagged = {"loop": 0, "fluent": 0}
    totals = {"loop": 0, "fluent": 0}
    for line in LABELS_FILE.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        question, answer = answers[(row["task"], row["doc_id"])]
        assert hashlib.sha1(answer.encode()).hexdigest()[:12] == row["text_sha1"], "the labels read another text"
        if row["label"] in totals:
            totals[row["label"]] += 1
            flagged[row["label"]] += unusable_reason(split_reasoning(answer), question) is not None
    assert totals["loop"] >= 400
    assert flagged["loop"] / totals["loop"] >= 0.95
    assert flagged["fluent"] / totals["fluent"] <= 0.10


def test_real_models_fluent_answers_are_not_unusable():
    """On the 5,150 shared dev answers of real models, the rule flags only word salad (11 Llama 3.1 70B answers,
    read by hand: token soup), never a repetition verdict on fluent text (docs/detector.md)."""
    from lm_eval_deccp.detector.labelled_rows import iter_jsonl, shared_dev_paths

    paths = shared_dev_paths()
    if len(paths) < 3:
        pytest.skip("the shared dev sets (../shared/data/refusal-dev, or $DECCP_SHARED_DIR) are not on this machine")
    flagged = []
    for path in paths:
        for _, row in iter_jsonl(path):
            reason = unusable_reason(split_reasoning(row["response"] or ""), row.get("question") or "")
            if reason is not None:
                flagged.append((reason, row["model"]))
    assert len(flagged) <= 11
    assert {reason for reason, _ in flagged} <= {"token_soup"}
