"""bench/load_test.py at a tiny scale: it starts gunicorn with production settings, serves
the public pages and the API, and reports zero errors (the full run is on demand)."""

import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def test_the_load_script_runs_and_reports_no_errors(tmp_path):
    result = subprocess.run(
        [
            sys.executable, "bench/load_test.py",
            "--database-url", f"sqlite:///{tmp_path / 'load.sqlite3'}",
            "--seed", "--concurrency", "2", "--seconds", "2", "--workers", "1",
        ],
        cwd=PROJECT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    report = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert report["errors"] == "0"
    assert int(report["requests"]) >= 16  # every path at least once
    assert report["statuses"].startswith("{200:")
