"""The storage suite (run_tests.py --only=storage): ext2 images made and judged by the host's
e2fsprogs, partitions made by sfdisk, keel's fstool (user/tests/fstool.c) in the guest.

  read     mke2fs -d trees (1 KiB and 4 KiB blocks, on a GPT and an MBR logical partition):
           keel's manifest (every file's size and hash, symlink targets, modes, link counts)
           equals the host's of the source tree
  work     fstool's workload on an empty image: its manifest equals the same workload's on
           Linux, e2fsck -fn finds the filesystem clean, debugfs reads back every file
  ide      the workload on an ATA disk (PIO, QEMU's PIIX IDE)
  root     root=/dev/vda: the initrd's tree on a disk is the root, /dev and /proc attached,
           a file persists across two boots, the disk clean after; no such disk: the initrd
  crash    data fsync'd, and data sync'd, before the report survive QEMU being killed
  corrupt  targeted corruptions are each refused at mount with their reason; a corrupt
           directory gives EIO; random mutations never panic the kernel

checks(run, build) yields (name, passed, failed, detail). STORAGE_BIG_MIB (default 16) sizes
the workload's big file (the issue's 100 MiB: STORAGE_BIG_MIB=100); STORAGE_FUZZ=N mounts N
more randomly mutated images, 12 per boot.
"""
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEEL_RUN = os.path.join(ROOT, "tools", "keel-run")
FNV0 = 0xcbf29ce484222325
HUGE_FILE, HUGE_PART = 1 << 30, 1 << 20
MANIFEST = re.compile(r"^([DFL]) (/\S*)(?: (.*))?$")


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def fnv_file(path, size):
    h = FNV0
    with open(path, "rb") as f:
        ranges = [(0, size)] if size <= HUGE_FILE else [(0, HUGE_PART),
                                                        (size - HUGE_PART, HUGE_PART)]
        for off, n in ranges:
            f.seek(off)
            while n > 0:
                chunk = f.read(min(n, 1 << 20))
                if not chunk:
                    break
                h = fnv(h, chunk)
                n -= len(chunk)
    return h


def host_manifest(root):
    """The manifest fstool prints, computed on the host."""
    lines = []
    for dirpath, dirnames, filenames in os.walk(root):
        for name in sorted(dirnames + filenames):
            full = os.path.join(dirpath, name)
            rel = "/" + os.path.relpath(full, root)
            if rel == "/lost+found":
                continue
            st = os.lstat(full)
            if os.path.islink(full):
                lines.append(f"L {rel} {os.readlink(full)}")
            elif os.path.isdir(full):
                lines.append(f"D {rel} {st.st_mode & 0o7777:o}")
            else:
                lines.append(f"F {rel} {st.st_size} {fnv_file(full, st.st_size):016x} "
                             f"{st.st_nlink}")
        dirnames[:] = [d for d in dirnames if not (dirpath == root and d == "lost+found")]
    return sorted(lines, key=lambda s: s[2:])


def guest_manifests(out):
    """fstool's manifests in out, in order: lists of lines."""
    result, cur = [], []
    for line in out.splitlines():
        line = line.rstrip("\r")
        if MANIFEST.match(line):
            cur.append(line)
        elif line.startswith("MANIFEST END"):
            result.append(cur)
            cur = []
    return result


def diff(a, b, limit=5):
    sa, sb = set(a), set(b)
    only_a, only_b = sorted(sa - sb)[:limit], sorted(sb - sa)[:limit]
    return f"only keel: {only_a}; only expected: {only_b}"


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace", **kw)


def guest(run, disks, fstool_args, timeout=120, mounts=""):
    cmd = [KEEL_RUN, "--mem", "256", "--timeout", str(timeout)]
    for d in disks:
        cmd += ["--disk", d]
    words = (f"mount={mounts} " if mounts else "") + "init=/bin/fstool -- " + fstool_args
    return run(cmd + ["--append", words], timeout + 30)


def make_tree(root, rnd):
    os.makedirs(os.path.join(root, "deep/a/b/c"))
    for i in range(40):
        size = rnd.choice([0, 1, 100, 1023, 1024, 1025, 4096, 5000, 70000, 300000])
        with open(os.path.join(root, f"deep/a/f{i}"), "wb") as f:
            f.write(rnd.randbytes(size))
    with open(os.path.join(root, "deep/a/b/c/twenty-mib"), "wb") as f:
        f.write(rnd.randbytes(20 << 20))         # past the double-indirect boundary at 1 KiB
    with open(os.path.join(root, "sparse"), "wb") as f:
        f.write(b"head")
        f.seek(300 << 20)
        f.write(b"tail")
    os.link(os.path.join(root, "deep/a/f1"), os.path.join(root, "hardlink"))
    os.symlink("deep/a/f2", os.path.join(root, "fast"))
    os.symlink("x" * 300, os.path.join(root, "slow"))
    os.chmod(os.path.join(root, "deep/a/b"), 0o700)


def mkfs(img, size, src=None, block=None):
    if os.path.exists(img):
        os.unlink(img)
    cmd = ["mke2fs", "-q", "-F", "-t", "ext2"] + (["-b", str(block)] if block else []) + \
          (["-d", src] if src else []) + [img, size]
    r = sh(cmd)
    if r.returncode:
        raise RuntimeError(f"mke2fs: {r.stderr}")


def partitioned(tmp, name, label_script, parts):
    """An image with a partition table (sfdisk script) and an ext2 image dd'd into each
    partition (parts: [(part image, index)])."""
    img = os.path.join(tmp, name)
    with open(img, "wb") as f:
        f.truncate(64 << 20)
    sh(["sfdisk", "-q", img], input=label_script, check=True)
    layout = sh(["sfdisk", "-J", img], check=True).stdout
    import json
    table = json.loads(layout)["partitiontable"]["partitions"]
    for pimg, idx in parts:
        start = table[idx]["start"] * 512
        with open(pimg, "rb") as src, open(img, "r+b") as dst:
            dst.seek(start)
            shutil.copyfileobj(src, dst)
    return img


def check_read(run, tmp):
    src = os.path.join(tmp, "src")
    make_tree(src, random.Random(17))
    want = host_manifest(src)
    img4k, img1k = os.path.join(tmp, "r4k.img"), os.path.join(tmp, "r1k.img")
    mkfs(img4k, "48M", src, 4096)
    mkfs(img1k, "40M", src, 1024)
    p1, p2 = os.path.join(tmp, "p1.img"), os.path.join(tmp, "p2.img")
    mkfs(p1, "24M", src, 1024)
    mkfs(p2, "24M", src, 4096)
    gpt = partitioned(tmp, "gpt.img", "label: gpt\n,4M\n,30M\n", [(p1, 1)])
    mbr = partitioned(tmp, "mbr.img", "label: dos\n,2M\n,,E\n,1M\n,30M\n", [(p2, 3)])
    devs = ["/dev/vda", "/r4k", "/dev/vdb", "/r1k", "/dev/vdc2", "/gpt2", "/dev/vdd6", "/mbr6"]
    rc, out = guest(run, [img4k, img1k, gpt, mbr], "mount " + " ".join(devs))
    got = guest_manifests(out)
    names = ["4 KiB blocks", "1 KiB blocks", "GPT partition vdc2", "MBR logical vdd6"]
    for i, name in enumerate(names):
        ok = i < len(got) and got[i] == want
        yield (f"storage read: mke2fs -d image, {name}: keel's manifest = host's "
               f"({len(want)} entries)", int(ok), int(not ok),
               "" if ok else (diff(got[i], want) if i < len(got) else "(no manifest)"))
    ok = rc == 0 and "fstool: 0 failures" in out
    yield ("storage read: fstool exit status", int(ok), int(not ok), f"(exit {rc})")


def debugfs(img, *cmds):
    r = sh(["debugfs", "-R", " ".join(cmds), img])
    return r.stdout


def check_work(run, tmp):
    big = int(os.environ.get("STORAGE_BIG_MIB", "16"))
    img = os.path.join(tmp, "work.img")
    mkfs(img, f"{big + 112}M", None, 4096)
    rc, out = guest(run, [img], f"work /mnt 1 {big}", timeout=240, mounts="/dev/vda:/mnt")
    got = guest_manifests(out)
    lin = os.path.join(tmp, "linux-work")
    os.mkdir(lin)
    lout = sh([os.path.join(ROOT, "build", "user", "bin", "fstool"), "work", lin, "1",
               str(big)]).stdout
    want = guest_manifests(lout)
    ok = rc == 0 and "fstool: 0 failures" in out and bool(got)
    yield ("storage work: fstool workload on keel (fs-semantics checks pass)", int(ok),
           int(not ok), f"(exit {rc}; {[l for l in out.splitlines() if 'FAIL' in l][:3]})")
    ok = bool(got) and bool(want) and got[0] == want[0]
    yield (f"storage work: keel's tree = the same workload's on Linux "
           f"({len(want[0]) if want else 0} entries)", int(ok), int(not ok),
           "" if ok else (diff(got[0], want[0]) if got and want else "(no manifest)"))
    r = sh(["e2fsck", "-fn", img])
    ok = r.returncode == 0
    yield ("storage work: e2fsck -fn finds the filesystem clean", int(ok), int(not ok),
           "" if ok else r.stdout[-800:])
    yield from check_debugfs(img, got[0] if got else [], tmp)


def check_debugfs(img, manifest, tmp):
    """debugfs dumps every regular file the manifest names (but the sparse 5 GiB one): same
    size and hash; the sparse file's size and both ends read through debugfs's block map."""
    out = os.path.join(tmp, "dump")
    os.mkdir(out)
    files = [MANIFEST.match(l).group(2, 3) for l in manifest if l.startswith("F ")]
    cmdfile = os.path.join(tmp, "dump.cmds")
    with open(cmdfile, "w") as f:
        for i, (path, _) in enumerate(files):
            if path != "/w/sparse":
                f.write(f'dump "{path}" {out}/{i}\n')
    sh(["debugfs", "-f", cmdfile, img])
    bad = []
    for i, (path, rest) in enumerate(files):
        if path == "/w/sparse":
            continue
        size, h = rest.split()[:2]
        p = os.path.join(out, str(i))
        if not os.path.exists(p) or os.path.getsize(p) != int(size) or \
                f"{fnv_file(p, int(size)):016x}" != h:
            bad.append(path)
    ok = bool(files) and not bad
    yield (f"storage work: debugfs reads back exactly what keel wrote ({len(files)} files)",
           int(ok), int(not ok), f"(differ: {bad[:5]})")
    st = debugfs(img, "stat", "/w/sparse")
    m = re.search(r"Size: (\d+)", st)
    ends = b""
    for lblk, n in ((0, 5), ((5 << 30) // 4096, 19)):
        b = re.search(r"^(\d+)$", debugfs(img, "bmap", "/w/sparse", str(lblk)), re.M)
        if b:
            with open(img, "rb") as f:
                f.seek(int(b.group(1)) * 4096)
                ends += f.read(n)
    ok = bool(m) and int(m.group(1)) == (5 << 30) + 19 and ends == b"startpast four gibibytes"
    yield ("storage work: a sparse file past 4 GiB has its size and both ends on disk",
           int(ok), int(not ok), f"(size {m.group(1) if m else '?'}, ends {ends!r})")
    st = debugfs(img, "stat", "/w/size07")
    mode = re.search(r"Mode:\s+(\d+)", st)
    mtime = re.search(r"mtime: (0x[0-9a-f]+)", st)
    atime = re.search(r"atime: (0x[0-9a-f]+)", st)
    owner = re.search(r"User:\s+(\d+)\s+Group:\s+(\d+)", st)
    ok = bool(mode and mtime and atime and owner) and mode.group(1) == "0640" and \
        int(mtime.group(1), 16) == 1234567890 and int(atime.group(1), 16) == 1000000000 and \
        owner.groups() == ("0", "0")
    yield ("storage work: chmod, utimensat and chown reach the disk inode", int(ok),
           int(not ok), f"(debugfs stat: {st[:300]!r})")


def check_ide(run, tmp):
    """The ATA PIO driver on QEMU's PIIX IDE (the controller Bochs emulates too): the
    workload's tree equals Linux's and e2fsck finds it clean."""
    img = os.path.join(tmp, "ide.img")
    mkfs(img, "64M", None, 4096)
    cmd = [KEEL_RUN, "--mem", "256", "--timeout", "180", "--disk", img, "--disk-bus", "ide",
           "--append", "mount=/dev/sda:/mnt init=/bin/fstool -- work /mnt 2 1"]
    rc, out = run(cmd, 210)
    got = guest_manifests(out)
    lin = os.path.join(tmp, "linux-ide")
    os.mkdir(lin)
    want = guest_manifests(sh([os.path.join(ROOT, "build", "user", "bin", "fstool"), "work",
                               lin, "2", "1"]).stdout)
    ok = rc == 0 and "ata: master drive" in out and bool(got) and bool(want) and \
        got[0] == want[0]
    yield ("storage ide: ATA PIO disk (sda): workload tree = Linux's", int(ok), int(not ok),
           f"(exit {rc})" if not (got and want) else diff(got[0], want[0]))
    r = sh(["e2fsck", "-fn", img])
    yield ("storage ide: e2fsck -fn clean after the ATA run", int(r.returncode == 0),
           int(r.returncode != 0), r.stdout[-400:])


ROOT_BOOT1 = ("cat /proc/mounts; cat /etc/on-disk; test -e /only-initrd || echo initrd-hidden; "
              "echo note from boot one > /root/note; cd /root; ls -l /proc/self/cwd; cd -P /dev; "
              "cd -P ..; ls -l /proc/self/cwd; test -e etc/on-disk && echo up-on-disk; "
              "ls -1 /dev/vda /proc/self/stat; df /")


def root_boot(run, img, initrd_marker, words):
    cmd = [KEEL_RUN, "--smp", "2", "--timeout", "60", "--disk", img,
           "--add", f"{initrd_marker}:only-initrd", "--append", words]
    return run(cmd, 90)


def check_root(run, tmp):
    """root=/dev/vda: a disk made by mke2fs -d from the initrd's tree is the root; /dev and
    /proc are the kernel's; a file written in one boot is read in the next; e2fsck finds the
    disk clean and marked clean; a missing root disk leaves the initrd as root."""
    src, img, marker = (os.path.join(tmp, n) for n in ("rootsrc", "root.img", "marker"))
    shutil.copytree(os.path.join(ROOT, "build", "initrd"), src, symlinks=True)
    with open(os.path.join(src, "etc", "on-disk"), "w") as f:
        f.write("disk-only\n")
    with open(marker, "w") as f:
        f.write("initrd\n")
    mkfs(img, "64M", src)
    rc, out = root_boot(run, img, marker,
                        f'root=/dev/vda init=/bin/busybox -- sh -c "{ROOT_BOOT1}"')
    want = [r"^/dev/vda / ext2 rw 0 0$", r"^proc /proc proc rw", r"^ramfs /dev ramfs ",
            r"^disk-only$", r"^initrd-hidden$", r"/proc/self/cwd -> /root$",
            r"/proc/self/cwd -> /$", r"^up-on-disk$", r"^/dev/vda$", r"^/proc/self/stat$",
            r"^/dev/vda +\d+ +\d+ +\d+ +\d+% /$"]
    miss = [w for w in want if not re.search(w, out, re.M)]
    yield ("storage root: root=/dev/vda boots from the disk, /dev and /proc attached, "
           "/proc/mounts and df say so", int(rc == 0 and not miss), int(rc != 0 or bool(miss)),
           f"(exit {rc}; missing {miss[:3]})")
    rc, out = root_boot(run, img, marker, "root=/dev/vda init=/bin/busybox -- cat /root/note")
    ok = rc == 0 and re.search(r"^note from boot one$", out, re.M)
    yield ("storage root: the file written in one boot is read in the next", int(bool(ok)),
           int(not ok), f"(exit {rc})")
    fsck, state = sh(["e2fsck", "-fn", img]), sh(["dumpe2fs", "-h", img]).stdout
    ok = fsck.returncode == 0 and re.search(r"^Filesystem state: +clean$", state, re.M)
    yield ("storage root: e2fsck -fn clean, state clean after power-off", int(bool(ok)),
           int(not ok), fsck.stdout[-400:])
    rc, out = root_boot(run, img, marker, "root=/dev/vdb init=/bin/busybox -- cat /only-initrd")
    ok = rc == 0 and "root=/dev/vdb failed" in out and re.search(r"^initrd$", out, re.M)
    yield ("storage root: root= naming no disk logs why and keeps the initrd as root",
           int(bool(ok)), int(not ok), f"(exit {rc})")


def check_crash(run, tmp):
    img = os.path.join(tmp, "crash.img")
    mkfs(img, "32M", None, 4096)
    cmd = [KEEL_RUN, "--mem", "256", "--timeout", "120", "--disk", img, "--append",
           "mount=/dev/vda:/mnt init=/bin/fstool -- crash /mnt"]
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, errors="replace")
    timer = threading.Timer(150, p.kill)
    timer.start()
    durable, killed = [], False
    for line in p.stdout:
        print(line, end="")
        m = re.match(r"DURABLE (\S+) (\d+) ([0-9a-f]+)", line.strip())
        if m:
            durable.append(m.groups())
        if "CRASH NOW" in line:
            p.kill()                  # keel-run's QEMU dies with it (PR_SET_PDEATHSIG)
            killed = True
            break
    p.wait()
    timer.cancel()
    time.sleep(0.5)
    yield ("storage crash: the guest reported its durable writes and was killed",
           int(killed and len(durable) == 2), int(not (killed and len(durable) == 2)), "")
    fy = sh(["e2fsck", "-fy", img])
    fn = sh(["e2fsck", "-fn", img])
    ok = fy.returncode in (0, 1) and fn.returncode == 0
    yield ("storage crash: e2fsck -fy repairs what the crash left, then -fn is clean",
           int(ok), int(not ok), f"(-fy exit {fy.returncode}, -fn exit {fn.returncode})")
    for name, size, h in durable:
        dst = os.path.join(tmp, "crash-" + name)
        sh(["debugfs", "-R", f"dump /{name} {dst}", img])
        ok = os.path.exists(dst) and os.path.getsize(dst) == int(size) and \
            f"{fnv_file(dst, int(size)):016x}" == h
        how = "fsync" if name == "fsynced" else "sync"
        yield (f"storage crash: every byte written before {how} returned survives the kill",
               int(ok), int(not ok), f"({dst} size {os.path.getsize(dst) if os.path.exists(dst) else 'none'})")


# (name, how to break the image, the reason keel must log, or None: mounts, walk gives EIO)
def _sb(img, off, fmt, fn):
    with open(img, "r+b") as f:
        f.seek(1024 + off)
        v = struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
        f.seek(1024 + off)
        f.write(struct.pack(fmt, fn(v)))


def _gd(img, off, fmt, value):            # group 0's descriptor (1 KiB blocks: block 2)
    with open(img, "r+b") as f:
        f.seek(2048 + off)
        f.write(struct.pack(fmt, value))


def _inode_table(img):
    with open(img, "rb") as f:
        f.seek(2048 + 8)
        return struct.unpack("<I", f.read(4))[0]


def _root_inode(img, off, data):
    with open(img, "r+b") as f:
        f.seek(1024 + 88)
        isize = struct.unpack("<H", f.read(2))[0]
        f.seek(_inode_table(img) * 1024 + isize + off)     # inode 2 is the table's second
        f.write(data)


def _root_dirent(img):
    blk = [int(x) for x in re.findall(r"\((?:\d+)\):(\d+)", debugfs(img, "stat", "/"))]
    with open(img, "r+b") as f:
        f.seek(blk[0] * 1024 + 4)
        f.write(struct.pack("<H", 3))       # "."'s rec_len: not a multiple of 4


CORRUPTIONS = [
    ("bad magic", lambda i: _sb(i, 56, "<H", lambda v: 0x1234), "no ext2 magic number"),
    ("block size 2^17", lambda i: _sb(i, 24, "<I", lambda v: 7), "block size above 4096"),
    ("inode count", lambda i: _sb(i, 0, "<I", lambda v: v + 1),
     "inode count does not match the groups"),
    ("extents feature", lambda i: _sb(i, 96, "<I", lambda v: v | 0x40),
     "unsupported incompatible features"),
    ("inode size 100", lambda i: _sb(i, 88, "<H", lambda v: 100), "bad inode size"),
    ("larger than the disk", lambda i: _sb(i, 4, "<I", lambda v: v * 4),
     "filesystem larger than its device"),
    ("inode table outside", lambda i: _gd(i, 8, "<I", 0xffffff),
     "inode table outside the filesystem"),
    ("root not a directory", lambda i: _root_inode(i, 0, struct.pack("<H", 0o100644)),
     "the root inode is not a directory"),
    ("directory entry length", _root_dirent, None),
]


def mutate_random(img, rnd):
    """Random bytes into the metadata mke2fs wrote (superblock, descriptors, bitmaps, inode
    table, root directory)."""
    table = _inode_table(img)
    with open(img, "r+b") as f:
        for _ in range(rnd.randint(1, 8)):
            region = rnd.choice([(1024, 1024), (2048, 1024), (3072, 2048),
                                 (table * 1024, 4096)])
            f.seek(region[0] + rnd.randrange(region[1]))
            f.write(bytes([rnd.randrange(256)]))


def corrupt_boot(run, imgs):
    devs = " ".join(f"/dev/vd{chr(97 + i)} /c{i}" for i in range(len(imgs)))
    return guest(run, imgs, "mount " + devs, timeout=120)


def check_corrupt(run, tmp):
    src = os.path.join(tmp, "csrc")
    os.makedirs(os.path.join(src, "dir"))
    for i in range(20):
        with open(os.path.join(src, "dir", f"f{i}"), "wb") as f:
            f.write(bytes([i]) * (i * 700))
    base = os.path.join(tmp, "cbase.img")
    mkfs(base, "4M", src, 1024)
    imgs = []
    for i, (name, how, _) in enumerate(CORRUPTIONS):
        img = os.path.join(tmp, f"c{i}.img")
        shutil.copy(base, img)
        how(img)
        imgs.append(img)
    rnd = random.Random(1234)
    for i in range(3):
        img = os.path.join(tmp, f"r{i}.img")
        shutil.copy(base, img)
        mutate_random(img, rnd)
        imgs.append(img)
    rc, out = corrupt_boot(run, imgs)
    for i, (name, _, reason) in enumerate(CORRUPTIONS):
        dev = f"/dev/vd{chr(97 + i)}"
        if reason:
            ok = f"MOUNT {dev} refused errno 22" in out and \
                f"ext2: {dev}: refused: {reason}" in out
        else:
            ok = f"MOUNT {dev} ok" in out and "bad directory entry length" in out and \
                re.search(r"^ERR ", out, re.M) is not None
        yield (f"storage corrupt: {name}: {'refused with its reason' if reason else 'EIO'}",
               int(ok), int(not ok), f"(expected '{reason or 'EIO'}')")
    yield from judge_fuzz(out, rc, len(imgs), "3 randomly mutated images")
    fuzz = int(os.environ.get("STORAGE_FUZZ", "0"))
    for batch in range(0, fuzz, 12):
        imgs = []
        for i in range(min(12, fuzz - batch)):
            img = os.path.join(tmp, f"z{i}.img")
            shutil.copy(base, img)
            mutate_random(img, rnd)
            imgs.append(img)
        rc, out = corrupt_boot(run, imgs)
        yield from judge_fuzz(out, rc, len(imgs), f"fuzz batch {batch // 12}")


def judge_fuzz(out, rc, n, what):
    answered = len(re.findall(r"^MOUNT /dev/vd\S+ (?:ok|refused)", out, re.M))
    ok = rc == 0 and answered == n and "panic" not in out.lower() and \
        "fstool: 0 failures" in out
    yield (f"storage corrupt: {what}: every image refused or walked, no panic", int(ok),
           int(not ok), f"(exit {rc}, {answered}/{n} answered)")


def checks(run, build):
    for tool in ("mke2fs", "e2fsck", "debugfs", "sfdisk"):
        if not shutil.which(tool):
            yield (f"storage: {tool} present (run tools/setup)", 0, 1, "")
            return
    tmp = tempfile.mkdtemp(prefix="keel-storage-")
    try:
        for check in (check_read, check_work, check_ide, check_root, check_crash,
                      check_corrupt):
            yield from check(run, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
