"""`rasa` without the libraries' start-up noise, for `make shell` (and make report).

PYTHONWARNINGS (scripts/common.sh) asks to ignore DeprecationWarning, but libraries turn
them back on (Sanic: `filterwarnings("once", category=DeprecationWarning)` on import), so
staff scrolled past some twenty of them. Drop deprecation warnings from outside the project's
code (installed packages, the standard library on their behalf) and spaCy's INFO lines;
Rasa's and the project's own warnings and log lines (the offline spaCy notice) still show.
"""

import logging
import sys
import warnings

from vrt.paths import ROOT

_PROJECT = str(ROOT)
_show_warning = warnings.showwarning


def _show_unless_library_deprecation(message, category, filename, lineno, file=None, line=None):
    # Outside the project's own code: installed packages, the standard library, the import system.
    filename = str(filename)
    if issubclass(category, DeprecationWarning) and (
        not filename.startswith(_PROJECT) or "site-packages" in filename
    ):
        return
    _show_warning(message, category, filename, lineno, file, line)


def quiet_libraries() -> None:
    warnings.showwarning = _show_unless_library_deprecation
    logging.getLogger("spacy").setLevel(logging.WARNING)


if __name__ == "__main__":
    quiet_libraries()
    from rasa.__main__ import main

    sys.exit(main())
