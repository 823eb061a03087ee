"""Mutation testing of the rule modules: ``make mutate`` (all) or ``make mutate ONLY=feeds``.

Each rule module is mutated by mutmut and tried against its own test folder only, so that a
module takes minutes rather than the hours the whole suite would. ``[tool.atelier.mutate]`` in
``pyproject.toml`` names the modules, their test folders and the bar; mutants that cannot
change what anyone sees or stores are listed there as equivalent, each with the reason, and are
left out of the score. A module's run happens in ``.mutmut/<module>/`` (mutmut works on a copy
of the tree), always from scratch; its survivors, with their diffs, are written to
``.mutmut/<module>/survivors.txt``. The exit status is 1 when a module is under the bar.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutmut"

# mutmut's exit codes per mutant (mutmut/stats.py): the test run failed, or ran out of time.
CAUGHT = {1, 3, 36, -24, 24, 152, 255}


@dataclass
class Target:
    module: str  # app/registration/services.py
    tests: list[str]

    @property
    def slug(self) -> str:
        return self.module.removeprefix("app/").removesuffix(".py").replace("/", "-")

    @property
    def dotted(self) -> str:
        return self.module.removesuffix(".py").replace("/", ".")


@dataclass
class Equivalent:
    module: str
    function: str | list[str]  # one function, or several for a whole kind of mutant
    reason: str
    mutant: str | None = None  # text found in the mutated line(s)
    original: str | None = None  # text found in the line(s) replaced (for a removed line)
    case_only: bool = False  # the mutant changes nothing but the letter case of the line
    used: int = 0

    def __post_init__(self) -> None:
        if self.mutant is None and self.original is None and not self.case_only:
            raise SystemExit(
                f"equivalent mutant of {self.function}: give `mutant`, `original` or `case_only`"
            )

    def matches(self, module: str, function: str, diff: str) -> bool:
        functions = [self.function] if isinstance(self.function, str) else self.function
        new, old = mutated_lines(diff, "+"), mutated_lines(diff, "-")
        return (
            self.module == module
            and function in functions
            and (self.mutant is None or self.mutant in new)
            and (self.original is None or self.original in old)
            and (not self.case_only or (new != old and new.lower() == old.lower()))
        )


@dataclass
class Outcome:
    target: Target
    total: int = 0
    caught: int = 0
    equivalent: list[tuple[str, Equivalent]] = field(default_factory=list)
    alive: list[tuple[str, str]] = field(default_factory=list)  # (name, diff)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def counted(self) -> int:
        return self.total - len(self.equivalent)

    @property
    def score(self) -> float:
        return 100.0 * self.caught / self.counted if self.counted else 100.0


def load_settings() -> tuple[dict, list[Target], list[Equivalent], float]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    settings = project["tool"]["atelier"]["mutate"]
    targets = [Target(module, list(tests)) for module, tests in settings["targets"].items()]
    equivalents = [Equivalent(**entry) for entry in settings.get("equivalent", [])]
    return project, targets, equivalents, float(settings.get("bar", 90))


def _toml_table(name: str, values: dict) -> str:
    # Strings, numbers, booleans and lists of them: JSON spells them as TOML does.
    lines = [f"[{name}]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def prepare(target: Target, project: dict) -> Path:
    """A fresh working folder for one module: the code and tests by link, and a pyproject
    whose mutmut settings mutate this module only and run its test folder only."""
    workdir = WORK / target.slug
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    for name in ("app", "tests", "migrations"):
        (workdir / name).symlink_to(ROOT / name)
    mutmut = dict(project["tool"].get("mutmut", {}))
    mutmut["source_paths"] = ["app"]
    mutmut["only_mutate"] = [target.module]
    mutmut["pytest_add_cli_args_test_selection"] = target.tests
    pytest_ini = project["tool"]["pytest"]["ini_options"]
    (workdir / "pyproject.toml").write_text(
        _toml_table("tool.mutmut", mutmut)
        + "\n"
        + _toml_table("tool.pytest.ini_options", pytest_ini),
        "utf-8",
    )
    return workdir


def function_of(name: str, dotted: str) -> str:
    """``app.x.services.xǁCourseǁedit__mutmut_3`` → ``Course.edit``; ``x_apply__mutmut_1``
    → ``apply``."""
    local = name.removeprefix(dotted + ".").rsplit("__mutmut_", 1)[0]
    if local.startswith("xǁ"):
        return ".".join(part for part in local[2:].split("ǁ") if part)
    return local.removeprefix("x_")


def mutated_lines(diff: str, sign: str = "+") -> str:
    return "\n".join(
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith(sign) and not line.startswith(sign * 3)
    )


def one_line(diff: str) -> str:
    """``old → new`` for the summary."""
    old, new = (" ⏎ ".join(mutated_lines(diff, sign).splitlines()) for sign in "-+")
    return f"{old}  →  {new}"


def collect(target: Target, workdir: Path, equivalents: list[Equivalent]) -> Outcome:
    meta = workdir / "mutants" / (target.module + ".meta")
    codes: dict[str, int | None] = json.loads(meta.read_text("utf-8"))["exit_code_by_key"]
    outcome = Outcome(target, total=len(codes))
    alive = sorted(name for name, code in codes.items() if code not in CAUGHT)
    outcome.caught = outcome.total - len(alive)
    diffs = diffs_of(alive, target, workdir)
    for name in alive:
        outcome.statuses[str(codes[name])] += 1
        function = function_of(name, target.dotted)
        diff = diffs[name]
        match = next((eq for eq in equivalents if eq.matches(target.module, function, diff)), None)
        if match is not None:
            match.used += 1
            outcome.equivalent.append((name, match))
        else:
            outcome.alive.append((name, diff))
    return outcome


def diffs_of(names: list[str], target: Target, workdir: Path) -> dict[str, str]:
    """The diff of each mutant, read by mutmut itself in the module's working folder."""
    if not names:
        return {}
    script = (
        "import json, sys\n"
        "from mutmut.mutation.diff_apply import get_diff_for_mutant\n"
        "names, path = json.load(sys.stdin)\n"
        "print(json.dumps({n: get_diff_for_mutant(n, path=path) for n in names}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps([names, target.module]),
        cwd=workdir,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def run(target: Target, project: dict, jobs: int | None, quiet: bool) -> Path:
    workdir = prepare(target, project)
    command = [str(Path(sys.executable).parent / "mutmut"), "run"]
    if jobs:
        command += ["--max-children", str(jobs)]
    env = dict(os.environ)
    # Parallel mutants would share one PostgreSQL database; each gets its own SQLite file.
    env.pop("TEST_DATABASE_URL", None)
    log = workdir / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.run(
            command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    if process.returncode != 0:
        tail = log.read_text("utf-8", errors="replace")[-3000:]
        raise SystemExit(f"mutmut failed on {target.module} (see {log}):\n{tail}")
    if not quiet:
        # mutmut redraws its progress line; the last one holds the counts.
        last = re.split(r"[\r\n]", log.read_text("utf-8", errors="replace").strip())[-2:]
        print("   ", " ".join(last).strip()[-160:])
    return workdir


def report(outcome: Outcome, workdir: Path) -> None:
    lines = [f"# {outcome.target.module}: {len(outcome.alive)} mutants alive", ""]
    for name, diff in outcome.alive:
        lines += [f"## {name}", diff, ""]
    lines += ["# listed as equivalent", ""]
    for name, eq in outcome.equivalent:
        lines.append(f"{name}: {eq.reason}")
    (workdir / "survivors.txt").write_text("\n".join(lines) + "\n", "utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="modules whose path contains one of these words")
    parser.add_argument("--jobs", type=int, help="mutants tried at once (default: one per CPU)")
    parser.add_argument(
        "--report-only", action="store_true", help="read the last run's results, run nothing"
    )
    args = parser.parse_args(argv)

    project, targets, equivalents, bar = load_settings()
    if args.only:
        targets = [t for t in targets if any(word in t.module for word in args.only)]
        if not targets:
            parser.error("no module in [tool.atelier.mutate.targets] matches")

    outcomes = []
    for target in targets:
        print(f"== {target.module} against {' '.join(target.tests)}", flush=True)
        workdir = WORK / target.slug
        if not args.report_only:
            workdir = run(target, project, args.jobs, quiet=False)
        outcome = collect(target, workdir, equivalents)
        report(outcome, workdir)
        outcomes.append(outcome)

    print()
    print(f"{'module':<36} {'mutants':>8} {'equiv.':>7} {'caught':>7} {'alive':>6} {'score':>7}")
    for o in outcomes:
        print(
            f"{o.target.module:<36} {o.total:>8} {len(o.equivalent):>7} {o.caught:>7} "
            f"{len(o.alive):>6} {o.score:>6.1f}%"
        )
    for o in outcomes:
        if o.alive:
            print(f"\n{o.target.module}: alive (diffs in .mutmut/{o.target.slug}/survivors.txt)")
            for name, diff in o.alive:
                print(f"  {function_of(name, o.target.dotted)}: {one_line(diff)[:160]}")
    # An entry that matches nothing any more is said, so that the list cannot go stale.
    modules = {o.target.module for o in outcomes}
    for eq in equivalents:
        if eq.used == 0 and eq.module in modules:
            text = eq.mutant if eq.mutant is not None else eq.original
            print(f"\nnote: no mutant alive matches the equivalent {eq.function}: {text!r}")
    below = [o for o in outcomes if o.score < bar]
    if below:
        print(f"\nunder the bar of {bar:.0f} %: " + ", ".join(o.target.module for o in below))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
