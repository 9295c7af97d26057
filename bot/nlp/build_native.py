"""Build, inspect or remove the optional compiled build of the classifier (:mod:`bot.nlp.native`).

    python -m bot.nlp.build_native           # build (needs mypy from the dev extra, a C compiler)
    python -m bot.nlp.build_native --status  # say whether the build is current and in use
    python -m bot.nlp.build_native --clean   # remove it
    python -m bot.nlp.build_native --if-stale  # build unless the build is current (make test)

The compiled modules give the same results as the sources (the tests run on whichever is in
use; ``tests/nlp/test_native.py`` compares the two) at about a sixth less CPU per mail.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.nlp.native import (
    COMPILED,
    DIRECTORY,
    ELSEWHERE,
    GROUP,
    MANIFEST,
    ROOT,
    current,
    in_use,
    manifest,
    package_folder,
    suffix,
)


def build() -> None:
    """Compile :data:`COMPILED` into :data:`DIRECTORY` and write the manifest."""
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution
    except ImportError as exc:
        raise SystemExit(f"the compiled build needs mypy and setuptools ({exc})") from exc
    record = manifest()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        here = Path.cwd()
        # mypyc names modules by their paths from the current folder (and reads the mypy
        # settings in pyproject.toml there).
        os.chdir(ROOT)
        try:
            sources = [f"bot/nlp/{name}.py" for name in COMPILED]
            sources += [module.replace(".", "/") + ".py" for module in ELSEWHERE]
            extensions = mypycify(
                sources,
                opt_level="3",
                group_name=GROUP,
                target_dir=str(work / "c"),
            )
            distribution = Distribution({"name": "madoguchi-native", "ext_modules": extensions})
            command: Any = distribution.get_command_obj("build_ext")
            command.build_lib = str(work / "lib")
            command.build_temp = str(work / "tmp")
            command.ensure_finalized()
            command.run()
        finally:
            os.chdir(here)
        built = sorted((work / "lib" / "bot" / "nlp").glob(f"*{suffix()}"))
        expected = {
            f"{name}{suffix()}" for name in (*COMPILED, f"{GROUP.rpartition('.')[2]}__mypyc")
        }
        if {p.name for p in built} != expected:
            raise SystemExit(f"mypyc built {[p.name for p in built]}, expected {sorted(expected)}")
        others = {
            module: work / "lib" / f"{module.replace('.', '/')}{suffix()}" for module in ELSEWHERE
        }
        missing = [str(path) for path in others.values() if not path.is_file()]
        if missing:
            raise SystemExit(f"mypyc did not build {missing}")
        clean()
        DIRECTORY.mkdir()
        for path in built:
            shutil.copy2(path, DIRECTORY / path.name)
        for module, path in others.items():
            place = package_folder(module)
            place.mkdir(exist_ok=True)
            shutil.copy2(path, place / path.name)
    # The manifest is written last: a build interrupted before it is never used.
    MANIFEST.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def clean() -> None:
    """Remove the compiled build."""
    shutil.rmtree(DIRECTORY, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.nlp.build_native", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--status", action="store_true", help="say whether the build is in use")
    action.add_argument("--clean", action="store_true", help="remove the build")
    action.add_argument("--if-stale", action="store_true", help="build only if not current")
    args = parser.parse_args(argv)
    if args.clean:
        clean()
    elif args.status:
        state = "current" if current() else ("stale" if MANIFEST.exists() else "absent")
        print(f"compiled build: {state}; in use: {'yes' if in_use() else 'no'}")
    elif args.if_stale and current():
        print("compiled build: current")
    else:
        build()
        print(
            f"compiled {len(COMPILED) + len(ELSEWHERE)} modules into {DIRECTORY.relative_to(ROOT)}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
