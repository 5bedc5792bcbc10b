import sys

from lm_eval_deccp.cli import main

sys.exit(main())
