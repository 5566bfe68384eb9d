"""Start SafeLoop on 127.0.0.1 (``make run`` migrates and seeds first).

Prints the URL and one demo login per role. Production uses gunicorn instead (see README).
"""

from __future__ import annotations

import os

from app import create_app


def banner(port: int) -> str:
    from seed.loader import DEMO_PASSWORD, demo_logins

    lines = [
        "",
        f"  SafeLoop is running: http://127.0.0.1:{port}/",
        f"  Demo logins (password {DEMO_PASSWORD}):",
        *(f"    {username:<12} {role}" for username, role in demo_logins()),
        "  Stop with Ctrl-C.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    port = int(os.environ.get("PORT", "5000"))
    app = create_app()
    print(banner(port), flush=True)
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
