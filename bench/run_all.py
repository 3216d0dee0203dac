"""Run every benchmark in turn and print what each measured (`make bench`). Benchmarks are not tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
ORDER = ["intake_http.py", "mixed_intake.py", "jurisdiction_lookup.py", "dispatch_recommend.py", "positions_load.py", "console_live.py",
         "phone_directory.py", "route_matching.py", "registry_search.py", "registry_dedupe.py", "registry_import.py",
         "registry_search_api.py"]


def main() -> int:
    failed = 0
    for name in ORDER:
        path = HERE / name
        if not path.exists():
            continue
        print(f"\n=== {name} ===", flush=True)
        failed += subprocess.run([sys.executable, str(path), *sys.argv[1:]]).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
