"""The README's examples, run and compared with what the README shows (CI: .ci/run).

A code block right after a line `<!-- check: sh -->` or `<!-- check: python -->` is run, and
what it prints must equal the ```text block that follows it. The blocks run in order, in one
fresh directory, so a Python snippet reads the file a command before it wrote. `cargo run
--release -- ARGS` runs the release binary given on the command line with ARGS (what cargo
would run, without building in the temporary directory), and `lifsweep` is that binary too. In
a line holding "wall time", the
numbers are not compared (they are the machine's speed, not lifsweep's results).

Usage: python check.py README.md LIFSWEEP_BINARY
"""

import os
import re
import subprocess
import sys
import tempfile


def blocks(text):
    """(kind, code, expected output) of each checked block, in order."""
    found = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.fullmatch(r"<!-- check: (sh|python) -->", lines[i].strip())
        if not m:
            i += 1
            continue
        kind = m.group(1)
        i += 1
        assert lines[i].startswith("```"), f"line {i + 1}: a code block must follow the marker"
        code, i = take_block(lines, i)
        while not lines[i].startswith("```text"):
            assert not lines[i].startswith("```"), f"line {i + 1}: expected a ```text block"
            i += 1
        expected, i = take_block(lines, i)
        found.append((kind, code, expected))
    return found


def take_block(lines, i):
    j = i + 1
    while not lines[j].startswith("```"):
        j += 1
    return "\n".join(lines[i + 1:j]) + "\n", j + 1


def masked(text):
    return "\n".join(re.sub(r"[0-9][0-9.e+]*", "#", line) if "wall time" in line else line
                     for line in text.split("\n"))


def main(readme, binary):
    binary = os.path.abspath(binary)
    checked = blocks(open(readme).read())
    assert checked, "no checked blocks in the README"
    failures = 0
    env = dict(os.environ, PATH=os.path.dirname(binary) + os.pathsep
               + os.environ.get("PATH", ""))
    with tempfile.TemporaryDirectory() as work:
        for kind, code, expected in checked:
            if kind == "sh":
                script = re.sub(r"^cargo run --release --", binary, code, flags=re.M)
                run = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work,
                                     capture_output=True, text=True, env=env)
            else:
                run = subprocess.run([sys.executable, "-c", code], cwd=work,
                                     capture_output=True, text=True)
            ok = run.returncode == 0 and masked(run.stdout) == masked(expected)
            print(f"{'ok' if ok else 'FAILED'}: {kind} block {code.splitlines()[0]!r}")
            if not ok:
                failures += 1
                print(f"exit {run.returncode}; stderr:\n{run.stderr}")
                print(f"printed:\n{run.stdout}\nthe README shows:\n{expected}")
    print(f"readme: {len(checked) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
