"""tests/uefi_test.py — keel on a PC's firmware and devices: the `uefi` suite of run_tests.py.

Boots keel's GRUB ISO under OVMF (UEFI) and SeaBIOS with a framebuffer (GRUB gfxpayload), and
drives it like a person at the machine: keys go in through QEMU's monitor (`sendkey`, i.e.
the PS/2 keyboard: shift, backspace, Escape), and what the screen shows comes back through
`screendump` (a PPM of the framebuffer). The expected screen rows are rendered here, in
Python, from Debian's PSF font file itself (tools/psf.py reads its Unicode table; the kernel
links a copy re-laid out by tools/mkfont) with the VGA palette fbcon uses: a row matches only if
every pixel does. No OCR, nothing approximate.

interactive(run_dir, firmware, ...) types, with the shell as init's only child:
    echo Hi Keelx<BS>          (H and K with shift; x erased)  -> "Hi Keel"
    echo <ESC>[31mRED <ESC>[0m                                 -> "RED" in red
and checks the serial line and the screen: the rows "$ echo Hi Keel", "Hi Keel",
"$ echo ^[[31mRED ^[[0m" (the tty echoes ESC as ^[), "RED" (red on black) and "$ " with the
cursor (a reverse-video cell) after it. Then, serial only: Up and F1 echo as ^[[A^[OP and
ctrl-U kills that line (the shell then runs `echo k`), ctrl-C stops `sleep 60`, and `exit`:
init exits 0 and keel powers off.
"""
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import psf  # noqa: E402

FONT = "/usr/share/consolefonts/Lat15-Terminus16.psf.gz"	# the Makefile's FONT_SRC
# fbcon.c's palette (VGA order): index -> (r, g, b)
PALETTE = [(0x00, 0x00, 0x00), (0x00, 0x00, 0xaa), (0x00, 0xaa, 0x00), (0x00, 0xaa, 0xaa),
           (0xaa, 0x00, 0x00), (0xaa, 0x00, 0xaa), (0xaa, 0x55, 0x00), (0xaa, 0xaa, 0xaa),
           (0x55, 0x55, 0x55), (0x55, 0x55, 0xff), (0x55, 0xff, 0x55), (0x55, 0xff, 0xff),
           (0xff, 0x55, 0x55), (0xff, 0x55, 0xff), (0xff, 0xff, 0x55), (0xff, 0xff, 0xff)]
GREY, RED, BLACK = 7, 4, 0
PROMPT = "$ "


class Monitor:
    """QEMU's human monitor on a Unix socket: one command at a time, answer up to "(qemu)"."""

    def __init__(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.s.settimeout(10)
        self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            data = self.s.recv(65536)
            if not data:
                raise EOFError("monitor closed")
            buf += data
        return buf.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        return self.read_prompt()

    def close(self):
        self.s.close()


def keys_for(text):
    """QEMU sendkey names for typing text on a US keyboard ("\\b" is Backspace, "\\x1b" Escape,
    "\\n" Enter)."""
    named = {" ": "spc", "\n": "ret", "\b": "backspace", "\x1b": "esc", "[": "bracket_left",
             "]": "bracket_right", ";": "semicolon", "-": "minus", ".": "dot", "/": "slash"}
    out = []
    for ch in text:
        if ch in named:
            out.append(named[ch])
        elif ch.isupper():
            out.append("shift-" + ch.lower())
        elif ch.isalnum():
            out.append(ch)
        else:
            raise ValueError(f"no key for {ch!r}")
    return out


def read_ppm(path):
    """(width, height, rgb bytes) of a binary PPM (P6, maxval 255) as QEMU's screendump writes."""
    with open(path, "rb") as f:
        data = f.read()
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", data)
    if not m:
        raise ValueError("not a P6 PPM with maxval 255")
    w, h = int(m.group(1)), int(m.group(2))
    pixels = data[m.end():m.end() + w * h * 3]
    if len(pixels) != w * h * 3:
        raise ValueError("PPM shorter than its header says")
    return w, h, pixels


def render_row(font, cells, cols):
    """Expected pixels (RGB rows, top to bottom) of one text row: cells is a list of
    (char, fg, bg) of up to cols entries; the rest are blanks."""
    cells = list(cells) + [(" ", GREY, BLACK)] * (cols - len(cells))
    rows = []
    for y in range(font.height):
        line = bytearray()
        for ch, fg, bg in cells[:cols]:
            for x in range(font.width):
                line += bytes(PALETTE[fg] if font.pixel(ord(ch), x, y) else PALETTE[bg])
        rows.append(bytes(line))
    return rows


def plain(text, fg=GREY, bg=BLACK):
    return [(c, fg, bg) for c in text]


def screen_row(shot, font, r):
    """The pixels of text row r of the screenshot (only the cells' columns)."""
    w, _, px = shot
    cols = w // font.width
    return [px[(r * font.height + y) * w * 3:(r * font.height + y) * w * 3 + cols * font.width * 3]
            for y in range(font.height)]


def find_rows(shot, font, want):
    """Index of the first text row from which the screen shows the rows in want, else None."""
    w, h, _ = shot
    cols, nrows = w // font.width, h // font.height
    expected = [render_row(font, cells, cols) for cells in want]
    for r in range(nrows - len(want) + 1):
        if all(screen_row(shot, font, r + i) == expected[i] for i in range(len(want))):
            return r
    return None


def dump_rows(shot, font):
    """What each row of the screenshot shows, best effort, for a failure message: each cell is
    matched against every glyph in grey on black (or, reversed, the cursor)."""
    w, h, _ = shot
    cols, nrows = w // font.width, h // font.height
    cache = {}
    text = []
    for r in range(nrows):
        pix = screen_row(shot, font, r)
        line = ""
        for c in range(cols):
            cell = b"".join(p[c * font.width * 3:(c + 1) * font.width * 3] for p in pix)
            if not cache:
                for cp in range(32, 127):
                    for fg in (GREY, RED):
                        cache[b"".join(render_row(font, [(chr(cp), fg, BLACK)], 1))] = chr(cp)
            line += cache.get(cell, "#")
        text.append(line.rstrip())
    while text and not text[-1]:
        text.pop()
    return text[-8:]


class Guest:
    """tools/keel-run in the background with a monitor socket; its output read as it comes."""

    def __init__(self, args, timeout):
        self.dir = tempfile.mkdtemp(prefix="keel-uefi-test.")
        self.sock = os.path.join(self.dir, "monitor.sock")
        self.cmd = [os.path.join(ROOT, "tools", "keel-run"), "--monitor", self.sock,
                    "--timeout", str(timeout)] + args
        self.p = subprocess.Popen(self.cmd, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.out = b""
        self.mon = None

    def pump(self, wait):
        r, _, _ = select.select([self.p.stdout], [], [], wait)
        if r:
            data = os.read(self.p.stdout.fileno(), 65536)
            self.out += data
            return bool(data)
        return True

    def wait_for(self, pattern, timeout, start=0):
        """Waits until the output (from offset start) matches the regex; returns the match."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.out[start:])
            if m:
                return m
            if not self.pump(0.2) and self.p.poll() is not None:
                break
        return None

    def monitor(self):
        if not self.mon:
            self.mon = Monitor(self.sock)
        return self.mon

    def type(self, text):
        self.keys(keys_for(text))

    def keys(self, names):
        for k in names:
            self.monitor().cmd(f"sendkey {k}")
            time.sleep(0.02)

    def finish(self, timeout):
        deadline = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < deadline:
            self.pump(0.2)
        if self.p.poll() is None:
            self.p.kill()
        while self.pump(0) and select.select([self.p.stdout], [], [], 0)[0]:
            pass
        rc = self.p.wait()
        if self.mon:
            self.mon.close()
        subprocess.run(["rm", "-rf", self.dir])
        return rc

    def text(self):
        return self.out.decode(errors="replace").replace("\r", "")


CMD1, OUT1 = "echo Hi Keelx\b\n", "Hi Keel"
CMD2 = "echo \x1b[31mRED \x1b[0m\n"


def interactive(firmware, smp, machine="pc", gfx=None, timeout=150):
    """Boots to the shell, types two commands and checks serial and screen. Returns
    (name, passed, failed, detail lines, output)."""
    args = ["--firmware", firmware, "--smp", str(smp), "--machine", machine,
            "--append", "-- /bin/sh"]
    if gfx:
        args += ["--gfx", gfx]
    name = f"uefi suite: {firmware} smp={smp} {machine}{' gfx=' + gfx if gfx else ''}: " \
        "shell typed on the PS/2 keyboard, read back from the framebuffer"
    font = psf.load(FONT)
    g = Guest(args, timeout)
    problems = []
    try:
        if not g.wait_for(rb"(?m)^\$ $", timeout - 20):
            problems.append("no shell prompt on the serial line")
            raise StopIteration
        mark = len(g.out)
        g.type(CMD1)
        if not g.wait_for(rb"\n" + OUT1.encode() + rb"\r?\n\$ ", 20, mark):
            problems.append(f"serial: no '{OUT1}' line after typing")
            raise StopIteration
        mark = len(g.out)
        g.type(CMD2)
        if not g.wait_for(rb"\n\x1b\[31mRED \x1b\[0m\r?\n\$ ", 20, mark):
            problems.append("serial: no coloured RED line after typing")
            raise StopIteration
        time.sleep(0.5)			# the screen is drawn under the console lock, with the
        shot_path = os.path.join(g.dir, "screen.ppm")	# serial bytes; be generous
        g.monitor().cmd(f"screendump {shot_path}")
        shot = read_ppm(shot_path)
        want = [plain("$ echo Hi Keel"), plain("Hi Keel"), plain("$ echo ^[[31mRED ^[[0m"),
                plain("RED", fg=RED), plain(PROMPT) + [(" ", BLACK, GREY)]]
        if find_rows(shot, font, want) is None:
            problems.append(f"screen ({shot[0]}x{shot[1]}) does not show the expected rows; "
                            f"its last rows read as {dump_rows(shot, font)}")
        wrong = want[:3] + [plain("RED")] + want[4:]	# the comparison must see colour
        if find_rows(shot, font, wrong) is not None:
            problems.append("the screen comparison accepted RED in grey")
        # Keys that type escape sequences, and ctrl: Up and F1 echo as ^[[A and ^[OP, ctrl-U
        # kills the line, so the shell runs only what follows.
        mark = len(g.out)
        g.keys(keys_for("true") + ["up", "f1", "ctrl-u"] + keys_for("echo k\n"))
        if not g.wait_for(rb"true\^\[\[A\^\[OP", 10, mark) or \
                not g.wait_for(rb"\nk\r?\n\$ ", 10, mark):
            problems.append("serial: Up/F1 did not echo as ^[[A^[OP, or ctrl-U did not kill "
                            "the line before 'echo k'")
            raise StopIteration
        # ctrl-C from the keyboard interrupts a running program (the tty's ISIG).
        mark = len(g.out)
        g.type("sleep 60\n")
        time.sleep(1.0)
        g.keys(["ctrl-c"])
        if not g.wait_for(rb"\^C\r?\n(?:.*\n)?\$ ", 10, mark):
            problems.append("serial: ctrl-C on the keyboard did not stop `sleep 60`")
            raise StopIteration
        g.type("exit 0\n")
    except (StopIteration, OSError, EOFError, ValueError) as e:
        if not isinstance(e, StopIteration):
            problems.append(f"{type(e).__name__}: {e}")
    finally:
        rc = g.finish(30)
    text = g.text()
    if not problems and "init exited with status 0" not in text:
        problems.append(f"no 'init exited with status 0' after exit (keel-run exit {rc})")
    return name, int(not problems), int(bool(problems)), problems, text
