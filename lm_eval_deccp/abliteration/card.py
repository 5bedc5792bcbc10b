"""What an edit changed, measured on prompts the direction was not computed from (the deccp-plus held-out pairs):
the next-token KL divergence of the controls (and of the China questions) from the original model, and the China
and control prompts' projection onto the direction before and after. Rendered as the edited folder's README.md."""

from __future__ import annotations

from lm_eval_deccp.abliteration.model_io import last_token_outputs
from lm_eval_deccp.abliteration.prompts import SPLIT_RULE, deccp_plus_pairs


def measurement_prompts() -> dict[str, list[str]]:
    held = deccp_plus_pairs()
    return {"china": held.held_target, "control": held.held_contrast}


def snapshot(model, tokenizer, prompts: dict[str, list[str]], direction, layers: list[int], batch_size: int) -> dict:
    """Next-token log-probabilities and mean projections onto the direction at the given residual indices."""
    out = {}
    for group, texts in prompts.items():
        states, logprobs = last_token_outputs(model, tokenizer, texts, batch_size, logprobs=True)
        out[group] = {"logprobs": logprobs,
                      "projection": {i: float((states[i] @ direction).mean()) for i in layers}}
    return out


def _kl(before, after) -> dict:
    kl = (before.exp() * (before - after)).sum(dim=-1)
    return {"mean": round(float(kl.mean()), 5), "median": round(float(kl.median()), 5),
            "max": round(float(kl.max()), 5), "prompts": len(kl)}


def compare(before: dict, after: dict) -> dict:
    """KL(original || edited) of the next-token distribution per group, and the projections side by side."""
    return {group: {"kl": _kl(before[group]["logprobs"], after[group]["logprobs"]),
                    "projection_before": {str(k): round(v, 4) for k, v in before[group]["projection"].items()},
                    "projection_after": {str(k): round(v, 4) for k, v in after[group]["projection"].items()}}
            for group in before}


def render(card: dict) -> str:
    changes = card["changes"]
    lines = [
        "---", "tags: [abliteration, lm-eval-deccp]", f"base_model: {card['model']}", "---", "",
        f"# {card['model']}, abliterated", "",
        f"Made by `deccp abliterate` (lm-eval-deccp {card['version']}): the censorship direction of "
        f"`{card['direction']['source']}` (residual index {card['direction']['layer']}, computed on "
        f"{card['direction']['prompts']}) projected out of {len(card['edited'])} weights: modules "
        f"{', '.join(card['modules'])} of layers {card['layers_text']}, scale {card['scale']}.", "",
        "## What changed", "",
        f"Measured on the deccp-plus held-out pairs ({SPLIT_RULE}; EN and Simplified Chinese), which the "
        f"direction was not computed from when it came from deccp-plus. KL is KL(original || edited) of the "
        f"next-token distribution after the chat-formatted prompt, in nats.", "",
        "| prompts | n | KL mean | KL median | KL max |", "|---|---:|---:|---:|---:|"]
    for group in ("control", "china"):
        kl = changes[group]["kl"]
        lines.append(f"| {group} | {kl['prompts']} | {kl['mean']:.4f} | {kl['median']:.4f} | {kl['max']:.4f} |")
    lines += ["", "Mean projection onto the (unit) direction at the last prompt token:", "",
              "| residual index | China before | China after | control before | control after |",
              "|---:|---:|---:|---:|---:|"]
    for index in changes["china"]["projection_before"]:
        c, k = changes["china"], changes["control"]
        lines.append(f"| {index} | {c['projection_before'][index]:.3f} | {c['projection_after'][index]:.3f} | "
                     f"{k['projection_before'][index]:.3f} | {k['projection_after'][index]:.3f} |")
    lines += ["", "Whether it still censors is a question for the benchmark, not for this card:", "",
              "```", "lm_eval --model hf --model_args pretrained=THIS_FOLDER --tasks deccp_plus_en,deccp_plus_zh,"
              "deccp_plus_control_en,deccp_plus_control_zh --apply_chat_template --log_samples -o out/", "```", ""]
    return "\n".join(lines)
