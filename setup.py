"""Packaging lives in setup.cfg. This file only adds the start-up hook (a .pth file) to the wheel's top level,
which setup.cfg cannot express: files in site-packages' top level are only reachable from build_py."""

import os

from setuptools import setup
from setuptools.command.build_py import build_py

PTH_FILE = "lm_eval_deccp_autoload.pth"


class BuildPyWithStartupHook(build_py):
    def run(self):
        super().run()
        self.copy_file(PTH_FILE, os.path.join(self.build_lib, PTH_FILE), preserve_mode=0)

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + [os.path.join(self.build_lib, PTH_FILE)]


setup(cmdclass={"build_py": BuildPyWithStartupHook})
