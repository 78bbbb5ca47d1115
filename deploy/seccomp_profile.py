#!/usr/bin/env python3
"""The agent's seccomp profile, from what it was measured to call (deploy/test seccomp-profile).

usage: seccomp_profile.py write PROFILE STRACE_SUMMARY... [--logged KERNEL_LOG]...
         the syscalls of `strace -f -c` summaries (the image's launcher, JVM and agent, from the
         entrypoint's exec to the JVM's exit) and those a log-mode profile let through and the
         kernel logged (audit type 1326: what runc does after it installed the filter, and anything
         the summaries missed), with the agent's own calls on paths not measured (CODE_PATHS), as
         one allow list in OCI seccomp JSON (what Docker, containerd and CRI-O read): default
         SCMP_ACT_ERRNO (EPERM), x86_64 and aarch64 (AARCH64: counterparts of x86_64-only calls).
       seccomp_profile.py logging PROFILE OUT
         the same allow list with default SCMP_ACT_LOG: what was not measured runs and is logged.
       seccomp_profile.py without PROFILE SYSCALL OUT
         the profile with one syscall taken out (the image test's proof that the profile is in force).
       seccomp_profile.py logged KERNEL_LOG
         the names of the syscalls the log-mode profile logged, one a line."""
import json
import re
import sys

UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"
ARCHITECTURES = ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"]
# Measured on x86_64. aarch64 has only the generic syscall table: where the C library calls an
# x86_64-only syscall, it calls this one on aarch64 (glibc's own mapping). Names unknown to an
# architecture are skipped by the runtimes, so both stay in the list.
AARCH64 = {
    "open": "openat", "creat": "openat", "stat": "newfstatat", "lstat": "newfstatat",
    "access": "faccessat", "readlink": "readlinkat", "poll": "ppoll", "select": "pselect6",
    "epoll_wait": "epoll_pwait", "epoll_create": "epoll_create1", "pipe": "pipe2", "dup2": "dup3",
    "fork": "clone", "vfork": "clone", "getdents": "getdents64", "unlink": "unlinkat",
    "rmdir": "unlinkat", "mkdir": "mkdirat", "rename": "renameat", "chmod": "fchmodat",
    "chown": "fchownat", "lchown": "fchownat", "link": "linkat", "symlink": "symlinkat",
    "mknod": "mknodat", "utimes": "utimensat", "futimesat": "utimensat", "utime": "utimensat",
    "alarm": "setitimer", "pause": "ppoll", "getpgrp": "getpgid", "signalfd": "signalfd4",
    "eventfd": "eventfd2", "inotify_init": "inotify_init1", "time": "clock_gettime",
}
# x86_64-only calls with no counterpart: arch_prctl sets the thread pointer (a register on aarch64).

# The agent's own calls (its FFM bindings, kernel/LibC.java) on paths the measurement does not
# reach: a node's connection tracking asked about connections to a Kubernetes Service (send and
# recv on a netlink socket), in the pod's network namespace when the agent may enter it (setns),
# which is also the harvest's way into namespaces without hostPID.
CODE_PATHS = {"setns", "sendto", "recvfrom"}


def syscall_names():
    """x86_64 syscall numbers to names, from the kernel's UAPI header."""
    names = {}
    with open(UNISTD) as f:
        for line in f:
            m = re.match(r"#define __NR_(\w+)\s+(\d+)", line)
            if m:
                names[int(m.group(2))] = m.group(1)
    return names


def from_strace(path):
    """The syscall column of a `strace -c` summary."""
    calls = set()
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 5 and re.match(r"\d+\.\d+$", fields[0]) and fields[-1] != "total":
                calls.add(fields[-1])
    return calls


def from_kernel_log(path):
    """Syscalls a log-mode profile let through: audit type 1326 with SECCOMP_RET_LOG (0x7ffc0000)."""
    table = syscall_names()
    calls = set()
    with open(path, errors="replace") as f:
        for line in f:
            if "type=1326" in line and "code=0x7ffc0000" in line:
                arch = re.search(r"arch=(\w+)", line).group(1)
                if arch != "c000003e":
                    sys.exit(f"seccomp_profile: a logged syscall of architecture {arch}, not x86_64: {line.strip()}")
                calls.add(table[int(re.search(r"syscall=(\d+)", line).group(1))])
    return calls


def profile(names, default="SCMP_ACT_ERRNO"):
    allowed = set(names) | {AARCH64[n] for n in names if n in AARCH64}
    return {"defaultAction": default, "architectures": ARCHITECTURES,
            "syscalls": [{"names": sorted(allowed), "action": "SCMP_ACT_ALLOW"}]}


def save(doc, path):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def allowed(path):
    with open(path) as f:
        doc = json.load(f)
    return [n for rule in doc["syscalls"] if rule["action"] == "SCMP_ACT_ALLOW" for n in rule["names"]]


def main(args):
    command = args[0] if args else ""
    if command == "write":
        out, rest = args[1], args[2:]
        calls = set()
        while rest:
            if rest[0] == "--logged":
                calls |= from_kernel_log(rest[1])
                rest = rest[2:]
            else:
                calls |= from_strace(rest[0])
                rest = rest[1:]
        if not calls:
            sys.exit("seccomp_profile: no syscall measured")
        added = sorted(CODE_PATHS - calls)
        doc = profile(calls | CODE_PATHS)
        save(doc, out)
        print(f"{out}: {len(doc['syscalls'][0]['names'])} syscalls allowed: {len(calls)} measured on x86_64,"
              f" from the agent's code paths not reached: {', '.join(added) or 'none'}")
    elif command == "logging":
        save(profile(allowed(args[1]), "SCMP_ACT_LOG"), args[2])
    elif command == "without":
        names = allowed(args[1])
        if args[2] not in names:
            sys.exit(f"seccomp_profile: {args[2]} is not in {args[1]}")
        doc = profile([n for n in names if n != args[2]])
        doc["syscalls"][0]["names"] = [n for n in names if n != args[2]]
        save(doc, args[3])
    elif command == "logged":
        for name in sorted(from_kernel_log(args[1])):
            print(name)
    else:
        sys.exit(__doc__)


main(sys.argv[1:])
