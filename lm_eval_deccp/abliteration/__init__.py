"""Inside the model: the censorship direction (find.py, direction.py), removing it from the weights (edit.py,
abliterate.py, card.py), and the censoring demo model it is proven on (censoring_data.py, finetune.py,
censoring_demo.py). Imports one way: model_io, prompts, architecture and store are the base; nothing here imports
the CLI, and the detector and reporting are used through lm_eval and the `deccp` commands, not from here."""
