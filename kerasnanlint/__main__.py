import os
import sys

# ``python -m`` puts the current folder first on sys.path: a project's own ``tomllib.py`` or ``libcst.py`` would be
# imported instead of ours. Drop it, unless this package is itself found there (a checkout run in place).
_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == os.getcwd() != _parent:
    del sys.path[0]

from kerasnanlint.cli import main  # noqa: E402  (after the sys.path repair above)

raise SystemExit(main())
