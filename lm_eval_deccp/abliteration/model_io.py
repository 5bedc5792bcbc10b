"""Loading a causal LM for direction-finding and editing, formatting prompts with its chat template, and reading
the residual stream at the last prompt token (where the model decides how to start its answer)."""

from __future__ import annotations

from typing import Sequence


class ModelLoadError(RuntimeError):
    """The model could not be loaded; the message says why."""


def load_model(name_or_path: str, dtype: str = "float32"):
    """A Hugging Face causal LM and its tokenizer, from a hub id or a local folder, in eval mode on the CPU or the
    first GPU. float32 by default: the edit is a projection, and bf16 rounding would leave a visible residue."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        model = AutoModelForCausalLM.from_pretrained(name_or_path, dtype=getattr(torch, dtype))
    except (OSError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ModelLoadError(f"could not load '{name_or_path}' as a causal LM: {first}") from None
    if torch.cuda.is_available():
        model = model.to("cuda")
    model.eval()
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def chat_texts(tokenizer, prompts: Sequence[str]) -> list[str]:
    """Each prompt as one user turn with the generation prompt, exactly as `lm_eval --apply_chat_template` sends it
    (a tokenizer without a chat template gets the bare prompt, as lm_eval does)."""
    if not getattr(tokenizer, "chat_template", None):
        return list(prompts)
    return [tokenizer.apply_chat_template([{"role": "user", "content": p}], tokenize=False,
                                          add_generation_prompt=True) for p in prompts]


def _batches(texts: Sequence[str], size: int):
    for start in range(0, len(texts), size):
        yield texts[start:start + size]


def last_token_outputs(model, tokenizer, prompts: Sequence[str], batch_size: int = 16, logprobs: bool = False):
    """The residual stream at the last prompt token, per layer: a float32 tensor (n_layers + 1, n_prompts, d), and
    with logprobs=True also log p(next token) there, (n_prompts, vocab), from the same forward pass.
    Index 0 is the embeddings, index i the stream entering decoder layer i (= leaving layer i - 1)."""
    import torch

    texts = chat_texts(tokenizer, prompts)
    tokenizer.padding_side = "left"  # the last position is then every prompt's last token
    chunks, rows = [], []
    with torch.no_grad():
        for batch in _batches(texts, batch_size):
            encoded = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
            out = model(**encoded, output_hidden_states=True)
            chunks.append(torch.stack([h[:, -1, :].float().cpu() for h in out.hidden_states]))
            if logprobs:
                rows.append(torch.log_softmax(out.logits[:, -1, :].float(), dim=-1).cpu())
    states = torch.cat(chunks, dim=1)
    return (states, torch.cat(rows)) if logprobs else states


def last_token_states(model, tokenizer, prompts: Sequence[str], batch_size: int = 16):
    return last_token_outputs(model, tokenizer, prompts, batch_size)


def greedy_answers(model, tokenizer, prompts: Sequence[str], max_new_tokens: int, batch_size: int = 16):
    """Greedy answers to chat-formatted prompts (the training script's controls, the examples in a card)."""
    import torch

    texts = chat_texts(tokenizer, prompts)
    tokenizer.padding_side = "left"
    answers = []
    with torch.no_grad():
        for batch in _batches(texts, batch_size):
            encoded = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(model.device)
            out = model.generate(**encoded, max_new_tokens=max_new_tokens, do_sample=False,
                                 pad_token_id=tokenizer.pad_token_id)
            new = out[:, encoded["input_ids"].shape[1]:]
            answers.extend(tokenizer.batch_decode(new, skip_special_tokens=True))
    return answers
