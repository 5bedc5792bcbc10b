"""MixEval's model parser through the judge endpoint, against a real OpenAI-compatible server (`transformers serve`
on the demo model: far too small to parse well, so these tests check the plumbing and the record, not its
verdicts), and against an endpoint that is down (every item falls back to the rule parser, counted)."""

from __future__ import annotations

from openai_server import free_port

from lm_eval_deccp.judge.config import JudgeConfig
from lm_eval_deccp.mixeval import rule_parser
from lm_eval_deccp.mixeval.items import Item
from lm_eval_deccp.mixeval.model_parser import ModelParser

ITEMS = [Item("1", "freeform", "TriviaQA", "Which city is the capital of France?", None, (), ("Paris",)),
         Item("2", "multichoice", "MMLU", "Which is a colour?", None, ("cat", "green", "seven"), (1,))]
ANSWERS = ["The capital of France is Paris.", "B. green"]


def test_the_model_parser_scores_each_answer_and_names_itself(demo_server):
    config = JudgeConfig(url=demo_server.base_url, model=demo_server.model, concurrency=2, timeout=300.0)
    parser = ModelParser(config)
    parsed = parser.parse_all(ITEMS, ANSWERS)
    assert parser.name == f"model:{demo_server.model}"
    assert len(parsed) == 2 and all(0.0 <= p.score <= 1.0 for p in parsed)
    assert 0 <= parser.fallbacks <= 2
    # A readable reply is shown as MixEval writes it; an unreadable one fell back to the rule parser's reading.
    assert parsed[0].reading.startswith("[[") or parsed[0].reading == rule_parser.parse(ITEMS[0], ANSWERS[0]).reading


def test_an_endpoint_that_is_down_leaves_every_item_to_the_rule_parser_and_counts_them():
    config = JudgeConfig(url=f"http://127.0.0.1:{free_port()}/v1", model="nobody", max_retries=0, timeout=5.0)
    parser = ModelParser(config)
    parsed = parser.parse_all(ITEMS, ANSWERS)
    assert parser.fallbacks == 2
    assert [p.score for p in parsed] == [rule_parser.parse(i, a).score for i, a in zip(ITEMS, ANSWERS)] == [1.0, 1.0]
