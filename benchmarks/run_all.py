"""All benchmarks in one command (not part of the test run): python benchmarks/run_all.py

Census load (1k/10k/100k beside bare calamine/openpyxl reads), rerun after a filter change at 10k, geography
cache load and map payload/render at 100k, then accessibility and EcoIndex of every page.
"""
import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

if __name__ == "__main__":
    import os

    print(f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}", flush=True)
    for script in ("bench_census.py", "bench_rerun.py", "bench_map.py", "audit.py"):
        print(f"\n== {script}", flush=True)
        subprocess.run([sys.executable, str(HERE / script)], check=True)
