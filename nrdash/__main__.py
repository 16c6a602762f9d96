"""``python -m nrdash …``: the command line lives in nrdash.cli (nothing imports this module)."""
from nrdash.cli import run

if __name__ == "__main__":
    run()
