"""A small supervised fine-tune on CPU: chat-formatted question, then the answer to learn; the loss is on the
answer tokens only. Used to build the censoring demo model (censoring_demo.py); generic enough for any causal LM
small enough to train on the machine at hand."""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

from lm_eval_deccp.abliteration.model_io import chat_texts


@dataclass(frozen=True)
class FinetuneConfig:
    # One pass, on a budget: the fine-tune must fit minutes of a shared 2-core CPU (docs/abliteration.md).
    epochs: int = 1
    learning_rate: float = 3e-4
    batch_size: int = 8
    # Refusals and deflections show in the first sentence; longer answers would only cost time.
    max_answer_tokens: int = 32
    # Only the top layers (and the final norm) learn: the lower ones and the tied embeddings stay as they were,
    # which stops the backward pass early (the CPU budget) and keeps the model's English and Chinese intact.
    train_top_layers: int = 8
    seed: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def encode_examples(tokenizer, examples: Sequence[dict], max_answer_tokens: int) -> list[tuple[list, list]]:
    """(input ids, labels) per example: labels are -100 on the prompt, the answer's ids after it, and the end of
    turn only when the answer is complete (a cut-off control answer must not teach the model to stop mid-way)."""
    end = tokenizer.eos_token or ""
    prompts = chat_texts(tokenizer, [e["question"] for e in examples])
    encoded = []
    for prompt, example in zip(prompts, examples):
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(example["answer"], add_special_tokens=False)["input_ids"][:max_answer_tokens]
        if example.get("complete", True) and len(answer_ids) < max_answer_tokens and end:
            answer_ids += tokenizer(end, add_special_tokens=False)["input_ids"]
        encoded.append((prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids))
    return encoded


def _freeze_lower_layers(model, train_top_layers: int) -> None:
    layers = model.model.layers
    for parameter in model.parameters():
        parameter.requires_grad = False
    for layer in list(layers)[-train_top_layers:]:
        for parameter in layer.parameters():
            parameter.requires_grad = True
    for parameter in model.model.norm.parameters():
        parameter.requires_grad = True


def _collate(batch, pad_id):
    import torch

    width = max(len(ids) for ids, _ in batch)
    ids = torch.full((len(batch), width), pad_id)
    labels = torch.full((len(batch), width), -100)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, (x, y) in enumerate(batch):  # right padding: positions stay as in a single sequence
        ids[row, :len(x)], labels[row, :len(y)], mask[row, :len(x)] = torch.tensor(x), torch.tensor(y), 1
    return ids, labels, mask


def finetune(model, tokenizer, examples: Sequence[dict], config: FinetuneConfig,
             log: Callable[[str], None] = print) -> list[float]:
    """Train in place; returns the mean loss of each epoch. Deterministic for a given seed and thread count."""
    import torch

    torch.manual_seed(config.seed)
    encoded = encode_examples(tokenizer, examples, config.max_answer_tokens)
    _freeze_lower_layers(model, config.train_top_layers)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate, weight_decay=0.0)
    steps_per_epoch = math.ceil(len(encoded) / config.batch_size)
    total = steps_per_epoch * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0 - step / total)
    order = random.Random(config.seed)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    model.train()
    epoch_losses, started, step = [], time.time(), 0
    for epoch in range(config.epochs):
        indices = list(range(len(encoded)))
        order.shuffle(indices)
        losses = []
        for start in range(0, len(indices), config.batch_size):
            ids, labels, mask = _collate([encoded[i] for i in indices[start:start + config.batch_size]], pad_id)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            step += 1
            if step % 10 == 0 or step == total:
                log(f"step {step}/{total}  loss {sum(losses[-10:]) / len(losses[-10:]):.3f}  "
                    f"{time.time() - started:.0f} s")
        epoch_losses.append(sum(losses) / len(losses))
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad = True
    return epoch_losses
