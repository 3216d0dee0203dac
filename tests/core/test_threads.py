"""A background thread running native work is waited for when the process exits (core.threads): the interpreter
must not free memory under it on its way out."""

from __future__ import annotations

import subprocess
import sys


def test_a_process_waits_for_its_native_work_before_it_exits(tmp_path):
    done = tmp_path / "done"
    script = f"""
import time
from suraksha.core.threads import finished_before_exit

def work():
    time.sleep(1.0)
    open({str(done)!r}, "w").write("finished")

finished_before_exit(work, "native-work")
"""  # the main thread ends at once; a plain daemon thread would be dropped with the process
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    assert done.read_text() == "finished"
