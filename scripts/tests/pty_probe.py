"""Runs `enhance preview IMAGE --graphics auto --width 8` on a pseudo-terminal and answers its
detection queries like a given terminal would. Writes everything enhance printed to OUT and
prints the seconds it took and its exit status.

usage: pty_probe.py ENHANCE IMAGE MODE OUT    (MODE: kitty, sixel, silent)
"""
import os
import pty
import select
import sys
import time

binary, image, mode, out_path = sys.argv[1:5]
env = {k: v for k, v in os.environ.items()
       if k not in ("TMUX", "KITTY_WINDOW_ID", "TERM_PROGRAM", "ENHANCE_GRAPHICS", "KONSOLE_VERSION", "NO_COLOR")}
env["TERM"] = "xterm-256color"
start = time.time()
pid, fd = pty.fork()
if pid == 0:
    os.execve(binary, [binary, "preview", image, "--graphics", "auto", "--width", "8"], env)

REPLIES = {
    "kitty": [b"\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1bP>|kitty(0.26.5)\x1b\\\x1b[?62;c"],
    "sixel": [b"\x1b[6;20;10t\x1bP>|XTerm(379)\x1b\\\x1b[?63;1;2;4;6;9;15;16;22;28c"],
    "silent": [],
}
buf = b""
answered = False
while True:
    ready, _, _ = select.select([fd], [], [], 10)
    if not ready:
        break
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    buf += data
    if not answered and b"\x1b[c" in buf:
        answered = True
        for reply in REPLIES[mode]:
            os.write(fd, reply)
_, status = os.waitpid(pid, 0)
with open(out_path, "wb") as f:
    f.write(buf)
print("%.3f %d" % (time.time() - start, os.waitstatus_to_exitcode(status)))
