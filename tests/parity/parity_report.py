"""Triage tool for the parity table (the test is test_parity.py).

    python tests/parity/parity_report.py [--draft] [name-substring ...]

prints every difference found, one ``(op, case): what differs`` a line, marking those
``known_differences`` does not list yet (``NEW``) and listed ones that now agree
(``FIXED``), then a count. ``--draft`` prints the NEW ones as ``known_differences``
entries with a drafted reason and class, to review before pasting: the class is a guess
from the message (an unknown keyword or argument is "missing", the rest "bug") and a
"deliberate" entry always needs a person to say why.
"""
import os
import re
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from known_differences import KNOWN_DIFFERENCES  # noqa: E402
from parity_engine import difference  # noqa: E402
from parity_table import TABLE  # noqa: E402

MISSING = re.compile(r"unexpected keyword argument|has no attribute|not supported by cynn|"
                     r"dim must be an int, not tuple|gradients: cynn none|"
                     r"required positional argument")


def drafted_reason(found):
    """'<class>: torch ...; cynn ...' from one difference line."""
    rewrites = [
        (r"cynn raises (.*), torch does not$", r"torch returns a result; cynn raises \1"),
        (r"torch raises (.*), cynn does not$", r"torch raises \1; cynn returns a result"),
        (r"cynn raises (\w+\(.*\)), torch (\w+\(.*\))$", r"torch raises \2; cynn raises \1"),
        (r"message: cynn (.*), torch (.*)$", r"torch's message \2; cynn's \1"),
        (r"backward: torch raises (.*), cynn does not$",
         r"torch's backward raises \1; cynn differentiates it"),
        (r"backward: cynn raises (.*), torch does not$",
         r"torch's backward works; cynn's raises \1"),
        (r"(output|grad|input) (\d+)(.*?): (\d+/\d+) values differ, at (\(.*?\)) cynn (.*) "
         r"torch (.*?) for inputs there (.*)$",
         r"\1 \2\3 at \5 for inputs \8: torch \7, cynn \6 (\4 differ)"),
        (r"(output|grad|input) (\d+)(.*?): (\d+/\d+) values differ, at (\(.*?\)) cynn (.*) "
         r"torch (.*)$", r"\1 \2\3 at \5: torch \7, cynn \6 (\4 differ)"),
        (r"(output|grad) (\d+): (shape|dtype) (.*), torch (.*)$", r"\1 \2 \3: torch \5, cynn \4"),
        (r"grad (\d+): cynn None, torch a tensor$",
         r"torch gives input \1 a gradient; cynn gives None"),
        (r"grad (\d+): cynn a tensor, torch None$",
         r"torch gives input \1 no gradient (None); cynn gives a tensor"),
        (r"gradients: cynn none, torch computed$",
         "torch's output is differentiable; cynn's is not"),
    ]
    reason = found
    for pattern, replacement in rewrites:
        if re.match(pattern, found):
            reason = re.sub(pattern, replacement, found)
            break
    reason = re.sub(r"np\.(float32|float64|int64)\((.*?)\)", r"\2", reason)
    kind = "missing" if MISSING.search(found) and not found.startswith("message:") else "bug"
    return f"{kind}: {reason}"


def main(args):
    draft = "--draft" in args
    filters = [a for a in args if a != "--draft"]
    warnings.simplefilter("ignore")
    n_ops = n_cases = n_diff = 0
    start = time.perf_counter()
    for info in TABLE:
        if filters and not any(f in info.name for f in filters):
            continue
        n_ops += 1
        for sample in info.samples():
            n_cases += 1
            key = (info.name, sample.case)
            found = difference(info.op, sample, info.check_message)
            listed = key in KNOWN_DIFFERENCES
            n_diff += bool(found)
            if draft:
                if found and not listed:
                    print(f"    {key!r}:\n        {drafted_reason(found)!r},")
            elif found or listed:
                mark = "" if found and listed else "NEW " if found else "FIXED "
                print(f"{mark}{key!r}: {found or KNOWN_DIFFERENCES[key]}")
    print(f"# {n_ops} ops, {n_cases} cases, {n_diff} differences, "
          f"{time.perf_counter() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
