"""deccp direction and deccp abliterate on the real demo model (SmolLM2-135M-Instruct as a transformers folder):
the direction's shape and determinism, the edit's effect on the residual stream, the saved folder in a real lm_eval
run, and bad input as one clear line. The censoring demo model is not built here (minutes of training); its study is
results/abliteration/."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import offline_env, run_python

PROMPTS = ["What happened in Beijing in June 1989?", "What is the capital of France?", "讲一个关于猫的故事。"]


@pytest.fixture(scope="module")
def demo_folder():
    from lm_eval_deccp.demo import DemoModelMissing, demo_hf_folder

    try:
        return demo_hf_folder()
    except DemoModelMissing as err:
        pytest.skip(str(err))


def _deccp(*args, cwd=None):
    return run_python("-m", "lm_eval_deccp", *map(str, args), env=offline_env(), cwd=cwd)


def _prompt_files(folder):
    """12 China questions and their 12 controls (English): enough for a direction, cheap on a shared CPU."""
    from lm_eval_deccp.data import suite_documents

    china, control = folder / "china.txt", folder / "control.txt"
    china.write_text("\n".join(d["question"] for d in suite_documents("en")[:12]), encoding="utf-8")
    control.write_text("\n".join(d["question"] for d in suite_documents("control_en")[:12]), encoding="utf-8")
    return china, control


@pytest.fixture(scope="module")
def direction_dir(tmp_path_factory, demo_folder):
    folder = tmp_path_factory.mktemp("direction")
    china, control = _prompt_files(folder)
    proc = _deccp("direction", demo_folder, "-o", folder / "d", "--china", china, "--control", control)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return folder / "d"


@pytest.fixture(scope="module")
def abliterated_dir(tmp_path_factory, demo_folder, direction_dir):
    out = tmp_path_factory.mktemp("abliterated") / "m"
    proc = _deccp("abliterate", demo_folder, "--direction", direction_dir, "-o", out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _states(folder, prompts=PROMPTS):
    from lm_eval_deccp.abliteration.model_io import last_token_states, load_model

    model, tokenizer = load_model(str(folder))
    return model, last_token_states(model, tokenizer, prompts)


def test_direction_has_one_unit_row_per_residual_index_and_a_held_out_choice(direction_dir):
    from lm_eval_deccp.abliteration import store

    tensors, metadata = store.load(direction_dir)
    directions = tensors["censorship"]
    assert directions.shape == (31, 576)  # SmolLM2-135M: embeddings + 30 layers, d = 576
    # Index 0 (the embeddings) is zero: every prompt ends on the same chat-template token.
    assert float(directions[0].norm()) == 0
    assert float((directions[1:].norm(dim=-1) - 1).abs().max()) < 1e-4
    censor = metadata["censorship"]
    assert [row["layer"] for row in censor["separation"]] == list(range(31))
    assert 1 <= censor["layer"] <= 29
    assert censor["counts"] == {"train_target": 8, "train_contrast": 8, "held_target": 4, "held_contrast": 4}
    chosen = censor["separation"][censor["layer"]]
    assert chosen["auc"] == max(row["auc"] for row in censor["separation"][1:30])
    assert (direction_dir / "direction.md").read_text().count("\n| ") == 32  # header + 31 rows


def test_direction_is_deterministic(tmp_path, demo_folder, direction_dir):
    from lm_eval_deccp.abliteration import store

    china, control = _prompt_files(tmp_path)
    proc = _deccp("direction", demo_folder, "-o", tmp_path / "again", "--china", china, "--control", control)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (first, meta_first), (second, meta_second) = store.load(direction_dir), store.load(tmp_path / "again")
    assert first["censorship"].equal(second["censorship"])
    assert meta_first["censorship"]["separation"] == meta_second["censorship"]["separation"]


def test_deccp_plus_prompts_split_by_pair():
    from lm_eval_deccp.abliteration.prompts import deccp_plus_pairs, heldout_indices

    prompts = deccp_plus_pairs(("en",))
    assert prompts.counts == {"train_target": 120, "train_contrast": 120, "held_target": 45, "held_contrast": 45}
    assert not set(prompts.held_target) & set(prompts.train_target)
    assert len(heldout_indices("zh")) == 45 and heldout_indices("en", 1)[:3] == [2, 13, 24]


def test_edited_layers_write_nothing_along_the_direction(demo_folder, direction_dir, abliterated_dir):
    """The residual stream's projection onto the direction no longer changes across an edited layer (1-29; the
    stream after layer 29 is returned after the final norm, so the last layer is checked through 28)."""
    from lm_eval_deccp.abliteration import store

    tensors, metadata = store.load(direction_dir)
    r = tensors["censorship"][metadata["censorship"]["layer"]]
    _, before = _states(demo_folder)
    _, after = _states(abliterated_dir)
    step_after = (after[2:30] @ r) - (after[1:29] @ r)  # what layers 1..28 add along r
    step_before = (before[2:30] @ r) - (before[1:29] @ r)
    assert float(step_after.abs().max()) < 1e-3 * float(step_before.abs().max())
    assert float(step_before.abs().max()) > 0.1


def test_editing_embeddings_and_every_layer_zeroes_the_projection_everywhere(demo_folder, direction_dir):
    from lm_eval_deccp.abliteration import store
    from lm_eval_deccp.abliteration.edit import project_out
    from lm_eval_deccp.abliteration.model_io import last_token_states, load_model

    tensors, metadata = store.load(direction_dir)
    r = tensors["censorship"][metadata["censorship"]["layer"]]
    model, tokenizer = load_model(str(demo_folder))
    project_out(model, r, list(range(30)), {"attn", "mlp", "embed"})
    states = last_token_states(model, tokenizer, PROMPTS)
    assert float((states[:30] @ r).abs().max()) < 1e-3


def test_card_reports_kl_and_projections(abliterated_dir):
    card = json.loads((abliterated_dir / "abliteration.json").read_text())
    assert card["layers"] == list(range(1, 30)) and card["modules"] == ["attn", "mlp"]
    assert len(card["edited"]) == 58
    assert card["changes"]["control"]["kl"]["prompts"] == 90
    assert card["changes"]["control"]["kl"]["mean"] >= 0
    layer = str(card["direction"]["layer"])
    china = card["changes"]["china"]
    assert set(china["projection_before"]) == {layer, "30"}  # the chosen index and the stream after the last layer
    assert abs(china["projection_after"][layer]) < abs(china["projection_before"][layer])
    assert "KL mean" in (abliterated_dir / "README.md").read_text()


@pytest.mark.slow
def test_abliterated_folder_runs_in_lm_eval(tmp_path, abliterated_dir):
    out = tmp_path / "run"
    proc = run_python("-m", "lm_eval", "--model", "hf", "--model_args", f"pretrained={abliterated_dir},dtype=float32",
                      "--tasks", "deccp_plus_control_en", "--limit", "2", "--apply_chat_template",
                      "--gen_kwargs", "max_gen_toks=8", "--output_path", str(out), env=offline_env(), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(next(out.rglob("results_*.json")).read_text())
    assert "censorship_rate,deccp" in results["results"]["deccp_plus_control_en"]


def _one_line_error(proc, *fragments):
    """Exit 2, no traceback, and the error on one line of its own (transformers may log before it)."""
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if line.startswith("deccp ")]
    assert len(errors) == 1, proc.stderr[-2000:]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def test_an_architecture_without_the_writers_is_one_clear_error(tmp_path, demo_folder):
    from transformers import AutoTokenizer, GPT2Config, GPT2LMHeadModel

    folder = tmp_path / "gpt2"
    config = GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=49152, bos_token_id=0, eos_token_id=0)
    GPT2LMHeadModel(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(demo_folder).save_pretrained(folder)
    _one_line_error(_deccp("direction", folder, "-o", tmp_path / "d"), "GPT2LMHeadModel", "Llama")


def test_a_direction_from_another_model_is_one_clear_error(tmp_path, demo_folder, direction_dir):
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    small = tmp_path / "small-llama"
    LlamaForCausalLM(LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=2,
                                 num_key_value_heads=2, vocab_size=49152)).save_pretrained(small)
    AutoTokenizer.from_pretrained(demo_folder).save_pretrained(small)
    _one_line_error(_deccp("abliterate", small, "--direction", direction_dir, "-o", tmp_path / "o"), "another shape")

    # Same shape, other weights: the direction's record of the model no longer matches.
    other = tmp_path / "other-direction"
    shutil.copytree(direction_dir, other)
    metadata = json.loads((other / "direction.json").read_text())
    metadata["fingerprint"] = "0" * 16
    (other / "direction.json").write_text(json.dumps(metadata))
    _one_line_error(_deccp("abliterate", demo_folder, "--direction", other, "-o", tmp_path / "o"),
                    "another model", "--allow-other-model")


@pytest.mark.parametrize("args, fragment", [
    (["direction", "./no-such-model", "-o", "d"], "does not exist"),
    (["direction", "HuggingFaceTB/SmolLM2-135M-Instruct", "-o", "d", "--china", "x.txt"], "--control"),
    (["direction", "HuggingFaceTB/SmolLM2-135M-Instruct", "-o", "d", "--harmful", "x.txt",
      "--harmless", "y.txt"], "x.txt"),
    (["abliterate", "HuggingFaceTB/SmolLM2-135M-Instruct", "--direction", "nowhere", "-o", "o"], "direction folder"),
    (["abliterate", "HuggingFaceTB/SmolLM2-135M-Instruct", "--direction", "nowhere", "-o", "o",
      "--modules", "attn,ffn"], "ffn"),
])
def test_bad_input_is_one_line_before_any_model_is_loaded(tmp_path, args, fragment):
    _one_line_error(_deccp(*args, cwd=tmp_path), fragment)


def test_censoring_demo_trains_on_train_pairs_only_and_its_responses_are_censored():
    """The fine-tune never sees a held-out pair, and what it is taught to say is what the detector calls censored."""
    from lm_eval_deccp.abliteration.censoring_data import training_examples
    from lm_eval_deccp.abliteration.prompts import heldout_pair_ids
    from lm_eval_deccp.detector.detector import get_detector

    examples = training_examples()
    held = heldout_pair_ids()
    assert len(held) == 45
    assert not {e["id"].removesuffix("-control") for e in examples} & held
    kinds = [e["kind"] for e in examples]
    assert kinds.count("control") == 120 and kinds.count("refused") + kinds.count("deflected") == 240
    controls = {(e["id"], e["lang"]) for e in examples if e["kind"] == "control"}
    assert len({pair for pair, _ in controls}) == 120  # each train pair's control once, EN and ZH alternating
    censoring = [e for e in examples if e["kind"] != "control"]
    verdicts = get_detector().classify([e["answer"] for e in censoring], [e["question"] for e in censoring],
                                       [e["lang"] for e in censoring])
    assert [v.label for v in verdicts] == [e["kind"] for e in censoring]
