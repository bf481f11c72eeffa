"""``python -m statecrime``: the same command as ``statecrime``.

The CLI lives in :mod:`statecrime.cli`; running that module itself as
``__main__`` would load it twice (once as ``__main__``, once when the command
modules import it), and the second copy would not see the global options.
"""

from statecrime.entry import main

main()
