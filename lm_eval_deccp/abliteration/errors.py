"""The errors of this subpackage that mean bad input (one line for the user, exit code 2), in one tuple for the
command modules to catch."""

from lm_eval_deccp.abliteration.architecture import ArchitectureError
from lm_eval_deccp.abliteration.model_io import ModelLoadError
from lm_eval_deccp.abliteration.prompts import PromptError
from lm_eval_deccp.abliteration.store import DirectionFileError

USER_ERRORS = (ArchitectureError, ModelLoadError, PromptError, DirectionFileError)
