#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Parse each .rst named with docutils; print every warning or error as
FILE:LINE: (LEVEL) MESSAGE and exit 1 if there was one.  Sphinx's own directives
(toctree) are taken as known and left empty."""
import sys

import docutils.core
import docutils.utils
from docutils.parsers.rst import Directive, directives


class Ignored(Directive):
    has_content = True
    optional_arguments = 99
    final_argument_whitespace = True
    option_spec = None

    def run(self):
        return []


def check(path):
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    settings = {"report_level": 5, "halt_level": 5, "warning_stream": False}
    doc = docutils.core.publish_doctree(text, source_path=path,
                                        settings_overrides=settings)
    for msg in doc.traverse(docutils.nodes.system_message):
        if msg["level"] >= docutils.utils.Reporter.WARNING_LEVEL:
            problems.append(msg.astext().splitlines()[0])
    return problems


def main(paths):
    directives.register_directive("toctree", Ignored)
    problems = [p for path in paths for p in check(path)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
